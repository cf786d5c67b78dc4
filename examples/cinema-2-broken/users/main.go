// Command users is the users service of cinema-2-broken, a Go port of the Filibuster corpus
// application of the same name. It is the application's entry service:
// GET /users/<username>/bookings is the route the functional test calls.
//
// It listens on the address given by -addr and finds the bookings service at
// BOOKINGS_URL (default http://127.0.0.1:5003).
package main

import (
	_ "embed"
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

//go:embed users.json
var usersJSON []byte

// user is one entry of users.json.
type user struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	LastActive int64  `json:"last_active"`
}

// users maps a username to its record.
var users map[string]user

// bookingsURL is the base URL of the bookings service.
var bookingsURL = envOr("BOOKINGS_URL", "http://127.0.0.1:5003")

// bookingsTimeout is the timeout of every call to the bookings service
// (networking.json's timeout-seconds for bookings).
const bookingsTimeout = 10 * time.Second

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(usersJSON, &users); err != nil {
		log.Fatalf("users: parsing users.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /users", usersList)
	mux.HandleFunc("GET /users/{username}", userRecord)
	mux.HandleFunc("GET /users/{username}/bookings", userBookings)
	mux.HandleFunc("GET /users/{username}/suggested", userSuggested)

	log.Printf("users: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// index describes the service's resources.
func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"uri": "/",
		"subresource_uris": map[string]string{
			"users":     "/users",
			"user":      "/users/<username>",
			"bookings":  "/users/<username>/bookings",
			"suggested": "/users/<username>/suggested",
		},
	})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// usersList returns every user.
func usersList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, users)
}

// userRecord returns one user, or 404.
func userRecord(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	record, ok := users[username]
	if !ok {
		http.Error(w, "User '"+username+"' not found.", http.StatusNotFound)
		return
	}
	writeJSON(w, record)
}

// userBookings returns the user's bookings as the bookings service resolves them. It
// answers 404 for an unknown user or when bookings has none, and 503 when bookings fails.
func userBookings(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	if _, ok := users[username]; !ok {
		http.Error(w, "User '"+username+"' not found.", http.StatusNotFound)
		return
	}
	client := &http.Client{Timeout: bookingsTimeout}
	resp, err := client.Get(bookingsURL + "/bookings/" + username)
	if err != nil {
		if isTimeout(err) {
			http.Error(w, "The Bookings service timed out.", http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "The Bookings service is unavailable.", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		http.Error(w, "The Bookings service is unavailable.", http.StatusServiceUnavailable)
		return
	}
	if resp.StatusCode == http.StatusNotFound {
		// BUG (deliberate): the user's missing bookings are reported as success with an
		// empty body instead of 404.
		w.WriteHeader(http.StatusOK)
		return
	}
	if resp.StatusCode != http.StatusOK {
		http.Error(w, "The Bookings service is malfunctioning.", http.StatusServiceUnavailable)
		return
	}

	var result any
	if err := json.Unmarshal(body, &result); err != nil {
		http.Error(w, "decoding the bookings: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, result)
}

// userSuggested would return movie suggestions; as in the original it is not
// implemented and always fails with 500.
func userSuggested(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not implemented.", http.StatusInternalServerError)
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
