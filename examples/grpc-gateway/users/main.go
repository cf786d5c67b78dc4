// Command users is the users service of grpc-gateway: a plain gRPC server (no HTTP
// health check; filibuster.json gives it "health_check": "tcp:") that knows the shop's
// customers.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"context"
	"flag"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-gateway/shoppb"
)

// users maps a username to the user's full name.
var users = map[string]string{
	"alice": "Alice Liddell",
	"bob":   "Bob Cratchit",
}

// server implements shoppb.UsersServer.
type server struct {
	shoppb.UnimplementedUsersServer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6001", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("users: %v", err)
	}
	srv := grpc.NewServer()
	shoppb.RegisterUsersServer(srv, server{})
	log.Printf("users: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// GetUser returns one user, or NOT_FOUND.
func (server) GetUser(ctx context.Context, req *shoppb.UserRequest) (*shoppb.User, error) {
	name, ok := users[req.GetUsername()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no user %q", req.GetUsername())
	}
	return &shoppb.User{Username: req.GetUsername(), Name: name}, nil
}
