// Command bookings-secondary is the bookings-secondary service of cinema-6, a Go port of the Filibuster corpus
// application of the same name. It returns each user's bookings as stored: a map from
// date to the ids of the movies booked that day.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

//go:embed bookings.json
var bookingsJSON []byte

// bookings maps a username to its bookings: date (YYYYMMDD) to movie ids.
var bookings map[string]map[string][]string

func main() {
	addr := flag.String("addr", "127.0.0.1:5004", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(bookingsJSON, &bookings); err != nil {
		log.Fatalf("bookings-secondary: parsing bookings.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /bookings", bookingList)
	mux.HandleFunc("GET /bookings/{username}", bookingRecord)

	log.Printf("bookings-secondary: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// index describes the service's resources.
func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"uri": "/",
		"subresource_uris": map[string]string{
			"bookings": "/bookings",
			"booking":  "/bookings/<username>",
		},
	})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// bookingList returns every user's bookings.
func bookingList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, bookings)
}

// bookingRecord returns one user's bookings, or 404.
func bookingRecord(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	record, ok := bookings[username]
	if !ok {
		http.Error(w, "No bookings were found for "+username, http.StatusNotFound)
		return
	}
	writeJSON(w, record)
}

// writeJSON writes v as a 200 JSON response, as Flask's jsonify does.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}
