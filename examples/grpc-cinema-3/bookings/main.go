// Command bookings is the bookings service of grpc-cinema-3, a gRPC port of the Filibuster
// corpus application cinema-3. It returns each user's bookings with the movies resolved:
// for every booked movie it asks the movies service for the title and rating.
//
// It listens on the address given by -addr, where it also answers GET /health-check, and
// finds the movies service at MOVIES_URL (default 127.0.0.1:5001), a host:port or an
// http://host:port URL.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"log"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

//go:embed bookings.json
var bookingsJSON []byte

// moviesTimeout is the timeout of every call to the movies service
// (networking.json's timeout-seconds for movies).
const moviesTimeout = 10 * time.Second

// server implements cinema3pb.BookingsServer.
type server struct {
	cinema3pb.UnimplementedBookingsServer

	// bookings maps a username to its bookings: date (YYYYMMDD) to movie ids.
	bookings map[string]map[string][]string
	movies   cinema3pb.MoviesClient
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5003", "address to listen on")
	flag.Parse()

	s := &server{}
	if err := json.Unmarshal(bookingsJSON, &s.bookings); err != nil {
		log.Fatalf("bookings: parsing bookings.json: %v", err)
	}
	moviesConn, err := grpc.NewClient(target("MOVIES_URL", "127.0.0.1:5001"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("bookings: %v", err)
	}
	s.movies = cinema3pb.NewMoviesClient(moviesConn)

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("bookings: %v", err)
	}
	srv := grpc.NewServer()
	cinema3pb.RegisterBookingsServer(srv, s)
	log.Printf("bookings: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetBookings returns one user's bookings with each movie's title, rating and uri
// fetched from the movies service. It answers NOT_FOUND for an unknown user and
// UNAVAILABLE when the movies service fails in any way, as cinema-3's bookings answers
// 404 and 503.
func (s *server) GetBookings(ctx context.Context, req *cinema3pb.UserRequest) (*cinema3pb.UserBookings, error) {
	username := req.GetUsername()
	record, ok := s.bookings[username]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "No bookings were found for %s", username)
	}
	reply := &cinema3pb.UserBookings{Dates: make(map[string]*cinema3pb.BookedMovies, len(record))}
	// The dates of bookings.json are in ascending order, so sorting them gives the
	// original's iteration order (the order of the JSON file).
	for _, date := range slices.Sorted(maps.Keys(record)) {
		booked := &cinema3pb.BookedMovies{}
		reply.Dates[date] = booked
		for _, id := range record[date] {
			mctx, cancel := context.WithTimeout(ctx, moviesTimeout)
			movie, err := s.movies.GetMovie(mctx, &cinema3pb.MovieRequest{Id: id})
			cancel()
			switch status.Code(err) {
			case codes.OK:
			case codes.DeadlineExceeded:
				return nil, status.Error(codes.Unavailable, "The Movie service timed out.")
			case codes.Unavailable:
				return nil, status.Error(codes.Unavailable, "The Movie service is unavailable.")
			default:
				return nil, status.Error(codes.Unavailable, "The Movie service is malfunctioning.")
			}
			booked.Movies = append(booked.Movies, &cinema3pb.BookedMovie{
				Rating: movie.GetRating(),
				Title:  movie.GetTitle(),
				Uri:    movie.GetUri(),
			})
		}
	}
	return reply, nil
}

// target returns the gRPC target of the service whose address is in the environment
// variable key, or def when it is unset or empty: a host:port, without the http:// of
// the URLs filibuster-gen run gives.
func target(key, def string) string {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	return strings.TrimPrefix(v, "http://")
}
