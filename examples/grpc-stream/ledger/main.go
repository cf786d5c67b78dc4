// Command ledger is the trade ledger of grpc-stream: a plain gRPC server
// ("health_check": "tcp:") whose Record takes a client stream of trades.
//
// It listens on the address given by -addr and calls no other service.
package main

import (
	"errors"
	"flag"
	"io"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/stockspb"
)

// server implements stockspb.LedgerServer.
type server struct {
	stockspb.UnimplementedLedgerServer
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7002", "address to listen on")
	flag.Parse()
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("ledger: %v", err)
	}
	srv := grpc.NewServer()
	stockspb.RegisterLedgerServer(srv, server{})
	log.Printf("ledger: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// Record receives trades until the caller closes its side of the stream, then
// answers their count and total cost. A trade of no shares is INVALID_ARGUMENT. A
// stream the caller abandons records nothing: its error is returned as it came.
func (server) Record(stream stockspb.Ledger_RecordServer) error {
	summary := &stockspb.RecordSummary{}
	for {
		t, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(summary)
		}
		if err != nil {
			return err
		}
		if t.GetShares() <= 0 {
			return status.Errorf(codes.InvalidArgument, "trade of %d shares of %s", t.GetShares(), t.GetSymbol())
		}
		summary.Trades++
		summary.TotalCents += t.GetShares() * t.GetPriceCents()
	}
}
