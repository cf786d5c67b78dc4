// Command users is the users service of grpc-cinema-1, a gRPC port of the Filibuster
// corpus application cinema-1. It is the application's entry service: GetUserBookings,
// cinema-1's GET /users/<username>/bookings, is the RPC the functional test calls.
//
// It listens on the address given by -addr, where it also answers GET /health-check, and
// finds the bookings and movies services at BOOKINGS_URL (default 127.0.0.1:5003) and
// MOVIES_URL (default 127.0.0.1:5001), each a host:port or an http://host:port URL.
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

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-1/cinemapb"
	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-1/internal/serve"
)

//go:embed users.json
var usersJSON []byte

// user is one entry of users.json.
type user struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	LastActive int64  `json:"last_active"`
}

// The timeouts of the calls to each service (networking.json's timeout-seconds).
const (
	bookingsTimeout = 10 * time.Second
	moviesTimeout   = 10 * time.Second
)

// server implements cinemapb.UsersServer.
type server struct {
	cinemapb.UnimplementedUsersServer

	users    map[string]user // username to record
	bookings cinemapb.BookingsClient
	movies   cinemapb.MoviesClient
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5000", "address to listen on")
	flag.Parse()

	s := &server{}
	if err := json.Unmarshal(usersJSON, &s.users); err != nil {
		log.Fatalf("users: parsing users.json: %v", err)
	}
	bookingsConn, err := grpc.NewClient(target("BOOKINGS_URL", "127.0.0.1:5003"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("users: %v", err)
	}
	moviesConn, err := grpc.NewClient(target("MOVIES_URL", "127.0.0.1:5001"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("users: %v", err)
	}
	s.bookings = cinemapb.NewBookingsClient(bookingsConn)
	s.movies = cinemapb.NewMoviesClient(moviesConn)

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("users: %v", err)
	}
	srv := grpc.NewServer()
	cinemapb.RegisterUsersServer(srv, s)
	log.Printf("users: listening on %s", *addr)
	log.Fatal(serve.Serve(l, srv))
}

// GetUserBookings returns the user's bookings with each movie's title, rating and uri:
// it asks the bookings service for the user's movie ids, then the movies service for
// each movie. It answers NOT_FOUND for an unknown user or when bookings has none, and
// UNAVAILABLE when a service fails, as cinema-1's users answers 404 and 503.
func (s *server) GetUserBookings(ctx context.Context, req *cinemapb.UserRequest) (*cinemapb.UserBookings, error) {
	username := req.GetUsername()
	if _, ok := s.users[username]; !ok {
		return nil, status.Errorf(codes.NotFound, "User '%s' not found.", username)
	}

	bctx, cancel := context.WithTimeout(ctx, bookingsTimeout)
	record, err := s.bookings.GetBookings(bctx, &cinemapb.UserRequest{Username: username})
	cancel()
	switch status.Code(err) {
	case codes.OK:
	case codes.DeadlineExceeded:
		return nil, status.Error(codes.Unavailable, "The Bookings service timed out.")
	case codes.Unavailable:
		return nil, status.Error(codes.Unavailable, "The Bookings service is unavailable.")
	case codes.NotFound:
		return nil, status.Errorf(codes.NotFound, "No bookings were found for %s", username)
	default:
		return nil, status.Error(codes.Unavailable, "The Bookings service is malfunctioning.")
	}

	reply := &cinemapb.UserBookings{Dates: make(map[string]*cinemapb.BookedMovies)}
	// Dates come in ascending order in the bookings data, so sorting them gives the
	// original's iteration order.
	for _, date := range slices.Sorted(maps.Keys(record.GetDates())) {
		booked := &cinemapb.BookedMovies{}
		reply.Dates[date] = booked
		for _, id := range record.GetDates()[date].GetIds() {
			mctx, cancel := context.WithTimeout(ctx, moviesTimeout)
			movie, err := s.movies.GetMovie(mctx, &cinemapb.MovieRequest{Id: id})
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
			booked.Movies = append(booked.Movies, &cinemapb.BookedMovie{
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
