// Command showtimes is the showtimes service of grpc-cinema-3, a gRPC port of the
// Filibuster corpus application cinema-3. It lists the movies showing on each date. No
// functional test reaches it; it is part of the application as in the original.
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

//go:embed showtimes.json
var showtimesJSON []byte

// server implements cinema3pb.ShowtimesServer.
type server struct {
	cinema3pb.UnimplementedShowtimesServer

	// showtimes maps a date (YYYYMMDD) to the ids of the movies showing that day.
	showtimes map[string][]string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5002", "address to listen on")
	flag.Parse()

	s := &server{}
	if err := json.Unmarshal(showtimesJSON, &s.showtimes); err != nil {
		log.Fatalf("showtimes: parsing showtimes.json: %v", err)
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("showtimes: %v", err)
	}
	srv := grpc.NewServer()
	cinema3pb.RegisterShowtimesServer(srv, s)
	log.Printf("showtimes: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetShowtimes returns the movies showing on one date, or NOT_FOUND.
func (s *server) GetShowtimes(ctx context.Context, req *cinema3pb.DateRequest) (*cinema3pb.MovieIDs, error) {
	ids, ok := s.showtimes[req.GetDate()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "No showtimes found for %s", req.GetDate())
	}
	return &cinema3pb.MovieIDs{Ids: ids}, nil
}
