// Command movies is the movies service of grpc-cinema-3, a gRPC port of the Filibuster
// corpus application cinema-3. It serves the movie catalogue.
//
// It listens on the address given by -addr, where it also answers GET /health-check, and
// calls no other service.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

//go:embed movies.json
var moviesJSON []byte

// movie is one entry of movies.json.
type movie struct {
	ID       string  `json:"id"`
	Title    string  `json:"title"`
	Rating   float64 `json:"rating"`
	Director string  `json:"director"`
}

// server implements cinema3pb.MoviesServer.
type server struct {
	cinema3pb.UnimplementedMoviesServer

	// movies maps a movie id to its record.
	movies map[string]movie
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5001", "address to listen on")
	flag.Parse()

	s := &server{}
	if err := json.Unmarshal(moviesJSON, &s.movies); err != nil {
		log.Fatalf("movies: parsing movies.json: %v", err)
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("movies: %v", err)
	}
	srv := grpc.NewServer()
	cinema3pb.RegisterMoviesServer(srv, s)
	log.Printf("movies: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetMovie returns one movie with its uri, or NOT_FOUND.
func (s *server) GetMovie(ctx context.Context, req *cinema3pb.MovieRequest) (*cinema3pb.Movie, error) {
	m, ok := s.movies[req.GetId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Movie %s not found.", req.GetId())
	}
	return &cinema3pb.Movie{
		Id:       m.ID,
		Title:    m.Title,
		Rating:   m.Rating,
		Director: m.Director,
		Uri:      "/movies/" + req.GetId(),
	}, nil
}
