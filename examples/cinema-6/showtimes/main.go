// Command showtimes is the showtimes service of cinema-6, a Go port of the Filibuster corpus
// application of the same name. It lists the movies showing on each date. No functional
// test reaches it; it is part of the application as in the original.
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

//go:embed showtimes.json
var showtimesJSON []byte

// showtimes maps a date (YYYYMMDD) to the ids of the movies showing that day.
var showtimes map[string][]string

func main() {
	addr := flag.String("addr", "127.0.0.1:5002", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(showtimesJSON, &showtimes); err != nil {
		log.Fatalf("showtimes: parsing showtimes.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /showtimes", showtimesList)
	mux.HandleFunc("GET /showtimes/{date}", showtimesRecord)

	log.Printf("showtimes: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// index describes the service's resources.
func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"uri": "/",
		"subresource_uris": map[string]string{
			"showtimes": "/showtimes",
			"showtime":  "/showtimes/<date>",
		},
	})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// showtimesList returns every date's showtimes.
func showtimesList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, showtimes)
}

// showtimesRecord returns the movies showing on one date, or 404.
func showtimesRecord(w http.ResponseWriter, r *http.Request) {
	date := r.PathValue("date")
	movies, ok := showtimes[date]
	if !ok {
		http.Error(w, "No showtimes found for "+date, http.StatusNotFound)
		return
	}
	writeJSON(w, movies)
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
