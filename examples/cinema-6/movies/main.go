// Command movies is the movies service of cinema-6, a Go port of the Filibuster corpus
// application of the same name. It serves the movie catalogue.
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

//go:embed movies.json
var moviesJSON []byte

// movies maps a movie id to its record: title, rating, director and id.
var movies map[string]map[string]any

func main() {
	addr := flag.String("addr", "127.0.0.1:5001", "address to listen on")
	flag.Parse()

	if err := json.Unmarshal(moviesJSON, &movies); err != nil {
		log.Fatalf("movies: parsing movies.json: %v", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", index)
	mux.HandleFunc("GET /health-check", healthCheck)
	mux.HandleFunc("GET /movies", movieRecords)
	mux.HandleFunc("GET /movies/{movieid}", movieInfo)

	log.Printf("movies: listening on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}

// index describes the service's resources.
func index(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{
		"uri": "/",
		"subresource_uris": map[string]string{
			"movies": "/movies",
			"movie":  "/movies/<id>",
		},
	})
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "OK"})
}

// movieInfo returns one movie with its uri, or 404.
func movieInfo(w http.ResponseWriter, r *http.Request) {
	movieid := r.PathValue("movieid")
	movie, ok := movies[movieid]
	if !ok {
		http.Error(w, "Movie "+movieid+" not found.", http.StatusNotFound)
		return
	}
	result := make(map[string]any, len(movie)+1)
	for k, v := range movie {
		result[k] = v
	}
	result["uri"] = "/movies/" + movieid
	writeJSON(w, result)
}

// movieRecords returns the whole catalogue.
func movieRecords(w http.ResponseWriter, r *http.Request) {
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
