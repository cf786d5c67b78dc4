// Command inventory is the inventory service of the shop-broken example: it keeps the
// stock of every item and the reservations orders hold on it.
//
//	GET    /stock/{item}        the item's available quantity
//	POST   /reservations        reserve {"item", "quantity"}: 201 {"id": "res-N"}, 409 when out of stock
//	DELETE /reservations/{id}   release a reservation: 204, 404 for an unknown id
//
// Before reserving, it asks the catalog service whether the item exists (a nested call:
// order → inventory → catalog). Every reservation gets a new id from a process-wide
// counter, so the same order placed twice holds two different reservations.
//
// It listens on the address given by -addr and finds the catalog service at CATALOG_URL
// (default http://127.0.0.1:5101).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// catalogURL is the base URL of the catalog service.
var catalogURL = envOr("CATALOG_URL", "http://127.0.0.1:5101")

// client is used for every call to the catalog service.
var client = &http.Client{Timeout: 5 * time.Second}

// initialStock is each item's stock when the service starts: large enough that the
// functional test, run once per test execution, never exhausts it.
const initialStock = 1_000_000

// reservation is one held quantity of an item.
type reservation struct {
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

// store is the service's state. Handlers run concurrently, so every access holds mu.
type store struct {
	mu           sync.Mutex
	stock        map[string]int // item → available quantity (not counting reservations)
	reservations map[string]reservation
	lastID       int // the number of the last reservation id handed out
}

var inv = &store{
	stock: map[string]int{
		"widget": initialStock,
		"gadget": initialStock,
		"gizmo":  initialStock,
	},
	reservations: make(map[string]reservation),
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5102", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /stock/{item}", getStock)
	mux.HandleFunc("POST /reservations", createReservation)
	mux.HandleFunc("DELETE /reservations/{id}", deleteReservation)

	log.Printf("inventory: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// getStock returns the quantity of an item that can still be reserved, or 404.
func getStock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("item")
	inv.mu.Lock()
	available, ok := inv.stock[name]
	inv.mu.Unlock()
	if !ok {
		http.Error(w, "no stock record for "+name, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": name, "available": available})
}

// createReservation holds a quantity of an item for an order. It checks with the catalog
// that the item is one the shop sells: 404 when it is not, 503 when the catalog cannot
// say. It answers 409 when the stock is too low and 201 with the new reservation's id
// otherwise.
func createReservation(w http.ResponseWriter, r *http.Request) {
	var req reservation
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Item == "" || req.Quantity <= 0 {
		http.Error(w, "malformed reservation", http.StatusBadRequest)
		return
	}

	resp, err := client.Get(catalogURL + "/items/" + url.PathEscape(req.Item))
	if err != nil {
		log.Printf("inventory: checking %q with the catalog: %v", req.Item, err)
		http.Error(w, "catalog unavailable", http.StatusServiceUnavailable)
		return
	}
	// The body is not needed, only the status; drain it so the connection is reused.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		log.Printf("inventory: reading the catalog's answer for %q: %v", req.Item, err)
		http.Error(w, "catalog unavailable", http.StatusServiceUnavailable)
		return
	case resp.StatusCode == http.StatusNotFound:
		http.Error(w, "no such item: "+req.Item, http.StatusNotFound)
		return
	case resp.StatusCode != http.StatusOK:
		log.Printf("inventory: the catalog answered %d for %q", resp.StatusCode, req.Item)
		http.Error(w, "catalog unavailable", http.StatusServiceUnavailable)
		return
	}

	inv.mu.Lock()
	if inv.stock[req.Item] < req.Quantity {
		inv.mu.Unlock()
		http.Error(w, "out of stock: "+req.Item, http.StatusConflict)
		return
	}
	inv.stock[req.Item] -= req.Quantity
	inv.lastID++
	id := fmt.Sprintf("res-%d", inv.lastID)
	inv.reservations[id] = req
	inv.mu.Unlock()

	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// deleteReservation releases a reservation, returning its quantity to the stock: 204, or
// 404 for an id that is not (or no longer) held.
func deleteReservation(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	inv.mu.Lock()
	res, ok := inv.reservations[id]
	if ok {
		delete(inv.reservations, id)
		inv.stock[res.Item] += res.Quantity
	}
	inv.mu.Unlock()
	if !ok {
		http.Error(w, "no such reservation: "+id, http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
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
