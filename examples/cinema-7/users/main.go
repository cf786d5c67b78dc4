// Command users is the users service of cinema-7, a Go port of the Filibuster corpus
// application of the same name. It is the application's entry service:
// GET /users/<username>/bookings is the route the functional test calls.
//
// It listens on the address given by -addr and finds the bookings replicas at
// BOOKINGS_PRIMARY_URL (default http://127.0.0.1:5003) and BOOKINGS_SECONDARY_URL
// (default http://127.0.0.1:5004), and the movies service at MOVIES_URL (default
// http://127.0.0.1:5001).
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

// The base URLs of the services users calls.
var (
	bookingsPrimaryURL   = envOr("BOOKINGS_PRIMARY_URL", "http://127.0.0.1:5003")
	bookingsSecondaryURL = envOr("BOOKINGS_SECONDARY_URL", "http://127.0.0.1:5004")
	moviesURL            = envOr("MOVIES_URL", "http://127.0.0.1:5001")
)

// The timeouts of the calls to each service (networking.json's timeout-seconds).
const (
	bookingsPrimaryTimeout   = 10 * time.Second
	bookingsSecondaryTimeout = 10 * time.Second
	moviesTimeout            = 10 * time.Second
)

// bookedMovie is one resolved booking, as returned to the caller.
type bookedMovie struct {
	Rating float64 `json:"rating"`
	Title  string  `json:"title"`
	URI    string  `json:"uri"`
}

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

// userBookings returns the user's bookings with each movie's title, rating and uri. It
// first probes the primary bookings replica's health check: if the probe fails with an
// error (its status does not matter) it asks the secondary replica, else the primary.
// It answers 404 for an unknown user or when the chosen replica has no bookings, and 503
// when the chosen replica or the movies service fails.
func userBookings(w http.ResponseWriter, r *http.Request) {
	username := r.PathValue("username")
	if _, ok := users[username]; !ok {
		http.Error(w, "User '"+username+"' not found.", http.StatusNotFound)
		return
	}

	success := true
	probe := &http.Client{Timeout: bookingsPrimaryTimeout}
	health, err := probe.Get(bookingsPrimaryURL + "/health-check")
	if err == nil {
		_, err = io.Copy(io.Discard, health.Body)
		health.Body.Close()
	}
	if err != nil {
		success = false
	}

	var resp *http.Response
	if success {
		client := &http.Client{Timeout: bookingsPrimaryTimeout}
		resp, err = client.Get(bookingsPrimaryURL + "/bookings/" + username)
	} else {
		client := &http.Client{Timeout: bookingsSecondaryTimeout}
		resp, err = client.Get(bookingsSecondaryURL + "/bookings/" + username)
	}
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
		http.Error(w, "No bookings were found for "+username, http.StatusNotFound)
		return
	}
	if resp.StatusCode != http.StatusOK {
		http.Error(w, "The Bookings service is malfunctioning.", http.StatusServiceUnavailable)
		return
	}

	var userBookings map[string][]string
	if err := json.Unmarshal(body, &userBookings); err != nil {
		http.Error(w, "decoding the bookings: "+err.Error(), http.StatusInternalServerError)
		return
	}
	resolveMovies(w, r, userBookings)
}

// resolveMovies asks the movies service for the title, rating and uri of each booked
// movie and writes the result. It answers 503 when the movies service fails.
func resolveMovies(w http.ResponseWriter, r *http.Request, userBookings map[string][]string) {
	result := make(map[string][]bookedMovie)
	// Dates come in ascending order in the bookings data, so sorting them gives the
	// original's iteration order.
	for _, date := range slices.Sorted(maps.Keys(userBookings)) {
		result[date] = []bookedMovie{}
		for _, movieid := range userBookings[date] {
			client := &http.Client{Timeout: moviesTimeout}
			req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, moviesURL+"/movies/"+movieid, nil)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			resp, err := client.Do(req)
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
