// Command accounts is the accounts service of the mixed-broken example, a gin engine: it
// answers what an account holds.
//
//	GET /accounts/:id   200 {"id", "balance"} (cents), 404 {"error"} for an unknown id
//
// It listens on the address given by -addr and calls no other service. Its API is
// described by ../accountsapi/openapi.yaml, from which gateway's client is generated.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

// balances are the accounts and what they hold, in cents. They are only read.
var balances = map[string]int64{
	"alice": 1_000_000_000,
	"bob":   1_000_000_000,
	"carol": 0,
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5201", "address to listen on")
	flag.Parse()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/health-check", healthCheck)
	r.GET("/accounts/:id", getAccount)

	log.Printf("accounts: listening on %s", *addr)
	log.Fatal(r.Run(*addr))
}

// healthCheck answers the start-up probe.
func healthCheck(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "OK"})
}

// getAccount answers the account named in the path, or 404.
func getAccount(c *gin.Context) {
	id := c.Param("id")
	balance, ok := balances[id]
	if !ok {
		c.JSON(http.StatusNotFound, gin.H{"error": "no account " + id})
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": id, "balance": balance})
}
