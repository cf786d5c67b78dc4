// Command catalog is the catalog service of the shop example: it knows which items
// the shop sells and at what price. GET /items/{item} answers the item and its price in
// cents, or 404 for an item the shop does not sell.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

// item is one catalog entry, as returned to the caller.
type item struct {
	Item  string `json:"item"`
	Price int    `json:"price"` // in cents
}

// prices maps every item the shop sells to its price in cents. It is never written, so
// concurrent handlers may read it without a lock.
var prices = map[string]int{
	"widget": 1299,
	"gadget": 2499,
	"gizmo":  499,
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5101", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /items/{item}", getItem)

	log.Printf("catalog: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// getItem returns one item and its price, or 404.
func getItem(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("item")
	price, ok := prices[name]
	if !ok {
		http.Error(w, "no such item: "+name, http.StatusNotFound)
		return
	}
	writeJSON(w, item{Item: name, Price: price})
}

// writeJSON writes v as a 200 JSON response.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}
