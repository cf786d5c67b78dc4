// Command monolith is the monolith service of cinema-8, a Go port of the Filibuster
// corpus application of the same name: the users, bookings and movies services folded
// into one, which serves each user's already resolved bookings from its own data.
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

//go:embed users.json
var usersJSON []byte

// users maps a username to its resolved bookings: date to the booked movies.
var users map[string]map[string][]bookedMovie

// bookedMovie is one resolved booking.
type bookedMovie struct {
	Rating float64 `json:"rating"`
	Title  string  `json:"title"`
	URI    string  `json:"uri"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5002", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(usersJSON, &users); err != nil {
		log.Fatalf("monolith: parsing users.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /users", usersList)
	mux.HandleFunc("GET /users/{username}", userRecord)
	mux.HandleFunc("GET /users/{username}/bookings", userBookings)
	mux.HandleFunc("GET /users/{username}/suggested", userSuggested)

	log.Printf("monolith: listening on %s", *addr)
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

// usersList returns every user's record.
func usersList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, users)
}

// userRecord returns one user's record, or 404.
func userRecord(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	record, ok := users[username]
	if !ok {
		http.Error(w, "User '"+username+"' not found.", http.StatusNotFound)
		return
	}
	writeJSON(w, record)
}

// userBookings returns one user's resolved bookings, or 404.
func userBookings(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	record, ok := users[username]
	if !ok {
		http.Error(w, "User '"+username+"' not found.", http.StatusNotFound)
		return
	}
	writeJSON(w, record)
}

// userSuggested would return movie suggestions; as in the original it is not
// implemented and always fails with 500.
func userSuggested(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "Not implemented.", http.StatusInternalServerError)
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
