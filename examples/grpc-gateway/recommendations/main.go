// Command recommendations is the recommendations service of grpc-gateway: a plain
// gRPC server ("health_check": "tcp:") suggesting items to each user.
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

// suggestions maps a username to the SKUs suggested to that user.
var suggestions = map[string][]string{
	"alice": {"hat-1"},
}

// server implements shoppb.RecommendationsServer.
type server struct {
	shoppb.UnimplementedRecommendationsServer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6004", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("recommendations: %v", err)
	}
	srv := grpc.NewServer()
	shoppb.RegisterRecommendationsServer(srv, server{})
	log.Printf("recommendations: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// Recommend returns the SKUs suggested to the user, or NOT_FOUND.
func (server) Recommend(ctx context.Context, req *shoppb.UserRequest) (*shoppb.SKUList, error) {
	skus, ok := suggestions[req.GetUsername()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no suggestions for %q", req.GetUsername())
	}
	return &shoppb.SKUList{Skus: skus}, nil
}
