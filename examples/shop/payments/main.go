// Command payments is the payments service of the shop example: it charges a card
// for an order's reservation.
//
//	POST /charges   {"amount", "card", "reservation"}: 201 {"charge": "ch-N"},
//	                402 when the card is declined, 400 for a malformed charge
//
// The card "declined-card" is always declined. It listens on the address given by -addr
// and calls no other service.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"sync"
)

// declinedCard is the card number every charge of which is declined.
const declinedCard = "declined-card"

// chargeRequest is the body of POST /charges.
type chargeRequest struct {
	Amount      int    `json:"amount"` // in cents
	Card        string `json:"card"`
	Reservation string `json:"reservation"`
}

// ledger records the charges made. Handlers run concurrently, so every access holds mu.
type ledger struct {
	mu      sync.Mutex
	charges map[string]chargeRequest
	lastID  int // the number of the last charge id handed out
}

var charges = &ledger{charges: make(map[string]chargeRequest)}

func main() {
	addr := flag.String("addr", "127.0.0.1:5103", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("POST /charges", createCharge)

	log.Printf("payments: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// createCharge charges the card and answers 201 with the charge's id; 402 when the card
// is declined, 400 when the body is not a valid charge.
func createCharge(w http.ResponseWriter, r *http.Request) {
	var req chargeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "malformed charge: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.Amount <= 0 || req.Card == "" || req.Reservation == "" {
		http.Error(w, "a charge needs a positive amount, a card and a reservation", http.StatusBadRequest)
		return
	}
	if req.Card == declinedCard {
		http.Error(w, "card declined", http.StatusPaymentRequired)
		return
	}

	charges.mu.Lock()
	charges.lastID++
	id := fmt.Sprintf("ch-%d", charges.lastID)
	charges.charges[id] = req
	charges.mu.Unlock()

	writeJSON(w, http.StatusCreated, map[string]string{"charge": id})
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
