// Command bookings is the bookings service of cinema-2, a Go port of the Filibuster corpus
// application of the same name. It returns each user's bookings with the movies resolved:
// for every booked movie it asks the movies service for the title and rating.
//
// It listens on the address given by -addr and finds the movies service at MOVIES_URL
// (default http://127.0.0.1:5001).
package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"time"
)

//go:embed bookings.json
var bookingsJSON []byte

// bookings maps a username to its bookings: date (YYYYMMDD) to movie ids.
var bookings map[string]map[string][]string

// moviesURL is the base URL of the movies service.
var moviesURL = envOr("MOVIES_URL", "http://127.0.0.1:5001")

// moviesTimeout is the timeout of every call to the movies service
// (networking.json's timeout-seconds for movies).
const moviesTimeout = 10 * time.Second

// bookedMovie is one resolved booking, as returned to the caller.
type bookedMovie struct {
	Rating float64 `json:"rating"`
	Title  string  `json:"title"`
	URI    string  `json:"uri"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5003", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(bookingsJSON, &bookings); err != nil {
		log.Fatalf("bookings: parsing bookings.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /bookings", bookingList)
	mux.HandleFunc("GET /bookings/{username}", bookingRecord)

	log.Printf("bookings: listening on %s", *addr)
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

// bookingList returns every user's bookings, unresolved.
func bookingList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, bookings)
}

// bookingRecord returns one user's bookings with each movie's title, rating and uri
// fetched from the movies service. It answers 404 for an unknown user and 503 when the
// movies service fails in any way.
func bookingRecord(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	record, ok := bookings[username]
	if !ok {
		http.Error(w, "No bookings were found for "+username, http.StatusNotFound)
		return
	}
	result := make(map[string][]bookedMovie)
	// The dates of bookings.json are in ascending order, so sorting them gives the
	// original's iteration order (the order of the JSON file).
	for _, date := range slices.Sorted(maps.Keys(record)) {
		result[date] = []bookedMovie{}
		for _, movieid := range record[date] {
			client := &http.Client{Timeout: moviesTimeout}
			resp, err := client.Get(moviesURL + "/movies/" + movieid)
			if err != nil {
				if isTimeout(err) {
					http.Error(w, "The Movie service timed out.", http.StatusServiceUnavailable)
					return
				}
				http.Error(w, "The Movie service is unavailable.", http.StatusServiceUnavailable)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				http.Error(w, "The Movie service is unavailable.", http.StatusServiceUnavailable)
				return
			}
			if resp.StatusCode != http.StatusOK {
				http.Error(w, "The Movie service is malfunctioning.", http.StatusServiceUnavailable)
				return
			}

			var movie bookedMovie
			if err := json.Unmarshal(body, &movie); err != nil {
				http.Error(w, "decoding the movie: "+err.Error(), http.StatusInternalServerError)
				return
			}
			result[date] = append(result[date], movie)
		}
	}
	writeJSON(w, result)
}

// isTimeout reports whether a call failed because its timeout expired.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
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
