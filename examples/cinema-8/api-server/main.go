// Command api-server is the API server of cinema-8, a Go port of the Filibuster corpus
// application of the same name. It is the application's entry service: it forwards
// GET /users/<username>/bookings to the monolith, trying the call up to twice.
//
// It listens on the address given by -addr and finds the monolith at MONOLITH_URL
// (default http://127.0.0.1:5002).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// monolithURL is the base URL of the monolith.
var monolithURL = envOr("MONOLITH_URL", "http://127.0.0.1:5002")

// monolithTimeout is the timeout of every call to the monolith (networking.json's
// timeout-seconds for monolith).
const monolithTimeout = 10 * time.Second

// retries is the number of attempts at the monolith call.
const retries = 2

func main() {
	addr := flag.String("addr", "127.0.0.1:5001", "address to listen on")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /users/{username}/bookings", userBookings)

	log.Printf("api-server: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// index describes the service's resources.
func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"uri": "/",
		"subresource_uris": map[string]string{
			"bookings": "/users/<username>/bookings",
		},
	})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// userBookings returns the user's bookings as the monolith has them, trying the call
// up to twice: an error or any status but 200 on the first attempt makes it try again.
// As in the original there is no username check here. It answers 404 when the monolith
// does and 503 when the monolith fails on the last attempt.
func userBookings(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")

	var (
		status int
		body   []byte
	)
	for i := range retries {
		client := &http.Client{Timeout: monolithTimeout}
		resp, err := client.Get(monolithURL + "/users/" + username + "/bookings")
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			if i == retries-1 {
				if isTimeout(err) {
					http.Error(w, "The Monolith timed out.", http.StatusServiceUnavailable)
					return
				}
				http.Error(w, "The Monolith is unavailable.", http.StatusServiceUnavailable)
				return
			}
			continue
		}
		status = resp.StatusCode
		if status == http.StatusOK {
			break
		}
	}

	if status == http.StatusNotFound {
		http.Error(w, "No bookings were found for "+username, http.StatusNotFound)
		return
	}
	if status != http.StatusOK {
		http.Error(w, "The Monolith is malfunctioning.", http.StatusServiceUnavailable)
		return
	}

	var result any
	if err := json.Unmarshal(body, &result); err != nil {
		http.Error(w, "decoding the bookings: "+err.Error(), http.StatusInternalServerError)
		return
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
