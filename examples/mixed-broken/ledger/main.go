// Command ledger is the ledger service of the mixed-broken example, an echo server: it records
// transfers between accounts and keeps the balances they leave.
//
//	POST /entries   {"from", "to", "amount"}: 201 {"entry": "e-N"},
//	                409 when from holds less than amount, 400 for a malformed entry
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
)

// entryRequest is the body of POST /entries.
type entryRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"` // in cents
}

// book holds the balances and the entries. Handlers run concurrently, so every access
// holds mu. The opening balances are large enough that repeated explorations of small
// transfers never exhaust them; an account the ledger has never seen holds nothing.
type book struct {
	mu       sync.Mutex
	balances map[string]int64
	entries  map[string]entryRequest
	lastID   int // the number of the last entry id handed out
}

var ledger = &book{
	balances: map[string]int64{"alice": 1_000_000_000, "bob": 1_000_000_000},
	entries:  make(map[string]entryRequest),
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5202", "address to listen on")
	flag.Parse()

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.GET("/health-check", healthCheck)
	e.POST("/entries", createEntry)

	log.Printf("ledger: listening on %s", *addr)
	log.Fatal(e.Start(*addr))
}

// healthCheck answers the start-up probe.
func healthCheck(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "OK"})
}

// createEntry moves amount from one account to the other and answers 201 with the
// entry's id; 409 when the source account holds too little, 400 for a malformed entry.
func createEntry(c echo.Context) error {
	var req entryRequest
	if err := c.Bind(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "malformed entry")
	}
	if req.From == "" || req.To == "" || req.From == req.To || req.Amount <= 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "an entry needs two different accounts and a positive amount")
	}

	ledger.mu.Lock()
	if ledger.balances[req.From] < req.Amount {
		ledger.mu.Unlock()
		return echo.NewHTTPError(http.StatusConflict, "insufficient funds")
	}
	ledger.balances[req.From] -= req.Amount
	ledger.balances[req.To] += req.Amount
	ledger.lastID++
	id := fmt.Sprintf("e-%d", ledger.lastID)
	ledger.entries[id] = req
	ledger.mu.Unlock()

	return c.JSON(http.StatusCreated, map[string]string{"entry": id})
}
