// Command trader is the entry service of grpc-stream: its Rebalance reads the prices
// of the symbols it is asked for from the feed's server stream, retrying once from
// where the stream broke, and records its trades on the ledger's client stream.
//
// It listens on the address given by -addr and finds the feed and the ledger at
// FEED_URL and LEDGER_URL (defaults 127.0.0.1:7001 and 7002), each a host:port or an
// http://host:port URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/internal/peer"
	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/stockspb"
)

// The deadlines of the streams, and the number of Watch streams Rebalance opens at most.
const (
	feedTimeout   = 2 * time.Second
	ledgerTimeout = 2 * time.Second
	feedAttempts  = 2
)

// server implements stockspb.TraderServer.
type server struct {
	stockspb.UnimplementedTraderServer
	feed   stockspb.FeedClient
	ledger stockspb.LedgerClient
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "address to listen on")
	flag.Parse()
	feedConn, err := grpc.NewClient(peer.Target("FEED_URL", "127.0.0.1:7001"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("trader: %v", err)
	}
	ledgerConn, err := grpc.NewClient(peer.Target("LEDGER_URL", "127.0.0.1:7002"),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("trader: %v", err)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("trader: %v", err)
	}
	srv := grpc.NewServer()
	stockspb.RegisterTraderServer(srv, &server{
		feed:   stockspb.NewFeedClient(feedConn),
		ledger: stockspb.NewLedgerClient(ledgerConn),
	})
	log.Printf("trader: listening on %s", *addr)
	log.Fatal(srv.Serve(l))
}

// Rebalance reads the price of every symbol of req from the feed, then buys
// req.BudgetCents worth of each (whole shares) and records the trades on the ledger.
// A feed that fails for good is not an error: the reply holds the prices that came,
// marked incomplete, and no trade is made on a partial set of prices. A ledger that
// fails is: UNAVAILABLE.
func (s *server) Rebalance(ctx context.Context, req *stockspb.RebalanceRequest) (*stockspb.RebalanceReply, error) {
	quotes, attempts, err := s.quotes(ctx, req.GetSymbols())
	reply := &stockspb.RebalanceReply{Quotes: quotes, FeedAttempts: int32(attempts)}
	if err != nil {
		log.Printf("trader: feed: %v; %d of %d prices, no trades", err, len(quotes), len(req.GetSymbols()))
		return reply, nil
	}
	reply.Complete = true
	var trades []*stockspb.Trade
	for _, q := range quotes {
		trades = append(trades, &stockspb.Trade{Symbol: q.GetSymbol(), Shares: req.GetBudgetCents() / q.GetPriceCents(), PriceCents: q.GetPriceCents()})
	}
	summary, err := s.record(ctx, trades)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "ledger: %v", status.Convert(err).Message())
	}
	reply.TradesRecorded, reply.TotalCents = summary.GetTrades(), summary.GetTotalCents()
	return reply, nil
}

// quotes returns the quotes of symbols, in order, and the number of Watch streams it
// opened. When a stream fails with UNAVAILABLE, before its first quote or after some,
// it opens another for the symbols still missing, feedAttempts streams in all; the
// error is that of the last stream, with the quotes that came before it.
func (s *server) quotes(ctx context.Context, symbols []string) (quotes []*stockspb.Quote, attempts int, err error) {
	for attempts = 1; ; attempts++ {
		got, err := s.watch(ctx, symbols[len(quotes):])
		quotes = append(quotes, got...)
		if err == nil || status.Code(err) != codes.Unavailable || attempts == feedAttempts {
			return quotes, attempts, err
		}
	}
}

// watch reads one Watch stream of symbols to its end and returns the quotes it gave,
// those that came before a failure included.
func (s *server) watch(ctx context.Context, symbols []string) ([]*stockspb.Quote, error) {
	ctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	stream, err := s.feed.Watch(ctx, &stockspb.WatchRequest{Symbols: symbols})
	if err != nil {
		return nil, err
	}
	var quotes []*stockspb.Quote
	for {
		q, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if len(quotes) != len(symbols) {
				return quotes, status.Errorf(codes.Internal, "feed ended after %d of %d quotes", len(quotes), len(symbols))
			}
			return quotes, nil
		}
		if err != nil {
			return quotes, err
		}
		if i := len(quotes); i >= len(symbols) || q.GetSymbol() != symbols[i] {
			return quotes, status.Errorf(codes.Internal, "feed sent %s out of turn", q.GetSymbol())
		}
		quotes = append(quotes, q)
	}
}

// record sends trades on one Record stream and returns the ledger's summary. A send
// that fails with io.EOF means the stream ended; the reason is what CloseAndRecv
// returns.
func (s *server) record(ctx context.Context, trades []*stockspb.Trade) (*stockspb.RecordSummary, error) {
	ctx, cancel := context.WithTimeout(ctx, ledgerTimeout)
	defer cancel()
	stream, err := s.ledger.Record(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range trades {
		err := stream.Send(t)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	summary, err := stream.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	if int(summary.GetTrades()) != len(trades) {
		return nil, fmt.Errorf("ledger recorded %d trades of %d", summary.GetTrades(), len(trades))
	}
	return summary, nil
}
