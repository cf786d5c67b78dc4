// Command bookings is the bookings service of grpc-cinema-1, a gRPC port of the Filibuster
// corpus application cinema-1. It returns each user's bookings as stored: a map from date
// to the ids of the movies booked that day.
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

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-1/cinemapb"
	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-1/internal/serve"
)

//go:embed bookings.json
var bookingsJSON []byte

// server implements cinemapb.BookingsServer.
type server struct {
	cinemapb.UnimplementedBookingsServer

	// bookings maps a username to its bookings: date (YYYYMMDD) to movie ids.
	bookings map[string]map[string][]string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5003", "address to listen on")
	flag.Parse()

	s := &server{}
	if err := json.Unmarshal(bookingsJSON, &s.bookings); err != nil {
		log.Fatalf("bookings: parsing bookings.json: %v", err)
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("bookings: %v", err)
	}
	srv := grpc.NewServer()
	cinemapb.RegisterBookingsServer(srv, s)
	log.Printf("bookings: listening on %s", *addr)
	log.Fatal(serve.Serve(l, srv))
}

// GetBookings returns one user's bookings, or NOT_FOUND.
func (s *server) GetBookings(ctx context.Context, req *cinemapb.UserRequest) (*cinemapb.UserRecord, error) {
	record, ok := s.bookings[req.GetUsername()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "No bookings were found for %s", req.GetUsername())
	}
	reply := &cinemapb.UserRecord{Dates: make(map[string]*cinemapb.MovieIDs, len(record))}
	for date, ids := range record {
		reply.Dates[date] = &cinemapb.MovieIDs{Ids: ids}
	}
	return reply, nil
}
