// Command feed is the price feed of grpc-stream: a plain gRPC server ("health_check":
// "tcp:") whose Watch streams one quote per symbol asked for.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"flag"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/stockspb"
)

// prices maps a symbol to its price in cents.
var prices = map[string]int64{
	"ACME":    12345,
	"GLOBEX":  6789,
	"INITECH": 4200,
}

// server implements stockspb.FeedServer.
type server struct {
	stockspb.UnimplementedFeedServer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7001", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("feed: %v", err)
	}
	srv := grpc.NewServer()
	stockspb.RegisterFeedServer(srv, server{})
	log.Printf("feed: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// Watch sends one quote per symbol of req, in order, and ends the stream; it ends it
// with NOT_FOUND at the first unknown symbol, and stops when the caller goes away.
func (server) Watch(req *stockspb.WatchRequest, stream stockspb.Feed_WatchServer) error {
	for _, sym := range req.GetSymbols() {
		price, ok := prices[sym]
		if !ok {
			return status.Errorf(codes.NotFound, "no symbol %q", sym)
		}
		if err := stream.Send(&stockspb.Quote{Symbol: sym, PriceCents: price}); err != nil {
			return err
		}
	}
	return nil
}
