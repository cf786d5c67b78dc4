// Command functional is the functional test of grpc-stream: it asks the trader to
// rebalance ACME, GLOBEX and INITECH with $1000 each and checks the answer against the
// faults the coordinator says it injected. It exits 0 when the test passes and 1 when
// it fails.
//
// It finds the trader at TRADER_URL (a host:port or an http://host:port URL; default
// 127.0.0.1:7000) and the coordinator at FILIBUSTER_URL; with FILIBUSTER_URL unset no
// fault is ever injected.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/stockspb"
	"github.com/filibuster-go/filibuster-gen/runtime"
)

// request is the test's one call.
var request = &stockspb.RebalanceRequest{Symbols: []string{"ACME", "GLOBEX", "INITECH"}, BudgetCents: 100000}

// quotes are the feed's prices of request's symbols.
var quotes = []*stockspb.Quote{
	{Symbol: "ACME", PriceCents: 12345},
	{Symbol: "GLOBEX", PriceCents: 6789},
	{Symbol: "INITECH", PriceCents: 4200},
}

// expected is the answer with every price: 8 ACME, 14 GLOBEX and 23 INITECH shares,
// 8×12345 + 14×6789 + 23×4200 = 98760 + 95046 + 96600 = 290406 cents.
var expected = &stockspb.RebalanceReply{Quotes: quotes, Complete: true, FeedAttempts: 1, TradesRecorded: 3, TotalCents: 290406}

func main() {
	target := strings.TrimPrefix(os.Getenv("TRADER_URL"), "http://")
	if target == "" {
		target = "127.0.0.1:7000"
	}
	reply, err := rebalance(target)
	report(reply, err)
	if err := check(runtime.WasFaultInjectedOn("feed"), runtime.WasFaultInjectedOn("ledger"), reply, err); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
}

// report prints what the trader answered, one line, for people and for the e2e test
// that checks each execution's answer against its faults.
func report(reply *stockspb.RebalanceReply, err error) {
	if err != nil {
		fmt.Printf("rebalance: error %v\n", status.Code(err))
		return
	}
	fmt.Printf("rebalance: %d prices, complete %t, %d Watch streams, %d trades\n",
		len(reply.GetQuotes()), reply.GetComplete(), reply.GetFeedAttempts(), reply.GetTradesRecorded())
}

// rebalance makes the test's one call to the trader at target, with a 10 s timeout.
func rebalance(target string) (*stockspb.RebalanceReply, error) {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return stockspb.NewTraderClient(conn).Rebalance(ctx, request)
}

// check checks the trader's answer given whether the execution faults the feed's
// streams and the ledger's. Every fault analysis.json gives is UNAVAILABLE, before the
// stream's first message or after one, so:
//
//   - with no fault, the answer is expected;
//   - a faulted ledger stream fails the call with UNAVAILABLE (the ledger is called
//     only once every price came, so whatever the feed's faults);
//   - a faulted feed stream, and not the ledger, is retried once from where it broke:
//     the call succeeds, after two Watch streams, with the prices that came, in
//     order; with all of them it is expected but for the attempts, with some it is
//     marked incomplete and trades nothing.
func check(feed, ledger bool, reply *stockspb.RebalanceReply, err error) error {
	switch {
	case ledger:
		if status.Code(err) != codes.Unavailable {
			return fmt.Errorf("with the ledger faulted: reply %v, error %v; want UNAVAILABLE", reply, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("call failed with the ledger up (feed faulted: %t): %v", feed, err)
	case !feed:
		if !proto.Equal(reply, expected) {
			return fmt.Errorf("reply %v with no fault; want %v", reply, expected)
		}
		return nil
	}
	if reply.GetFeedAttempts() != 2 {
		return fmt.Errorf("feed faulted: %d Watch streams; want 2, the feed retried once", reply.GetFeedAttempts())
	}
	if reply.GetComplete() {
		want := proto.Clone(expected).(*stockspb.RebalanceReply)
		want.FeedAttempts = 2
		if !proto.Equal(reply, want) {
			return fmt.Errorf("feed faulted, complete reply %v; want %v", reply, want)
		}
		return nil
	}
	got := reply.GetQuotes()
	if len(got) >= len(quotes) {
		return fmt.Errorf("feed faulted: %d prices, marked incomplete", len(got))
	}
	for i, q := range got {
		if !proto.Equal(q, quotes[i]) {
			return fmt.Errorf("feed faulted: price %d is %v; want %v", i, q, quotes[i])
		}
	}
	if reply.GetTradesRecorded() != 0 || reply.GetTotalCents() != 0 {
		return fmt.Errorf("feed faulted: %d trades for %d cents recorded on %d of %d prices; want none",
			reply.GetTradesRecorded(), reply.GetTotalCents(), len(got), len(quotes))
	}
	return nil
}
