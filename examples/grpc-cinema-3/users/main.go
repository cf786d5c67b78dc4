// Command users is the users service of grpc-cinema-3, a gRPC port of the Filibuster
// corpus application cinema-3. It is the application's entry service: GetUserBookings,
// cinema-3's GET /users/<username>/bookings, is the RPC the functional test calls.
//
// It listens on the address given by -addr, where it also answers GET /health-check, and
// finds the bookings service at BOOKINGS_URL (default 127.0.0.1:5003), a host:port or an
// http://host:port URL.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"log"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

//go:embed users.json
var usersJSON []byte

// user is one entry of users.json.
type user struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	LastActive int64  `json:"last_active"`
}

// bookingsTimeout is the timeout of every call to the bookings service
// (networking.json's timeout-seconds for bookings).
const bookingsTimeout = 10 * time.Second

// retries is the number of attempts at the bookings call ("Retries are actually - 1 for
// analysis", says the original).
const retries = 2

// server implements cinema3pb.UsersServer.
type server struct {
	cinema3pb.UnimplementedUsersServer

	users    map[string]user // username to record
	bookings cinema3pb.BookingsClient
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
	s.bookings = cinema3pb.NewBookingsClient(bookingsConn)

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("users: %v", err)
	}
	srv := grpc.NewServer()
	cinema3pb.RegisterUsersServer(srv, s)
	log.Printf("users: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetUserBookings returns the user's bookings as the bookings service resolves them,
// trying the bookings call up to twice: any error on the first attempt makes it try
// again, and the answer follows the last attempt. It answers NOT_FOUND for an unknown
// user or when bookings has none, and UNAVAILABLE when bookings fails in any other way,
// as cinema-3's users answers 404 and 503.
func (s *server) GetUserBookings(ctx context.Context, req *cinema3pb.UserRequest) (*cinema3pb.UserBookings, error) {
	username := req.GetUsername()
	if _, ok := s.users[username]; !ok {
		return nil, status.Errorf(codes.NotFound, "User '%s' not found.", username)
	}

	var (
		reply *cinema3pb.UserBookings
		err   error
	)
	for range retries {
		bctx, cancel := context.WithTimeout(ctx, bookingsTimeout)
		reply, err = s.bookings.GetBookings(bctx, &cinema3pb.UserRequest{Username: username})
		cancel()
		if err == nil {
			break
		}
	}

	switch status.Code(err) {
	case codes.OK:
		return reply, nil
	case codes.DeadlineExceeded:
		return nil, status.Error(codes.Unavailable, "The Bookings service timed out.")
	case codes.Unavailable:
		return nil, status.Error(codes.Unavailable, "The Bookings service is unavailable.")
	case codes.NotFound:
		return nil, status.Errorf(codes.NotFound, "No bookings were found for %s", username)
	default:
		return nil, status.Error(codes.Unavailable, "The Bookings service is malfunctioning.")
	}
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
