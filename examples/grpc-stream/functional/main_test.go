package main

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-stream/stockspb"
)

// reply returns expected changed by edit.
func reply(edit func(r *stockspb.RebalanceReply)) *stockspb.RebalanceReply {
	r := proto.Clone(expected).(*stockspb.RebalanceReply)
	edit(r)
	return r
}

// TestCheck checks the functional test's verdicts on the answers the trader gives and
// on answers a broken trader could give.
func TestCheck(t *testing.T) {
	retried := reply(func(r *stockspb.RebalanceReply) { r.FeedAttempts = 2 })
	partial := func(n int) *stockspb.RebalanceReply {
		return &stockspb.RebalanceReply{Quotes: quotes[:n], FeedAttempts: 2}
	}
	unavailable := status.Error(codes.Unavailable, "ledger: down")
	for _, tc := range []struct {
		name         string
		feed, ledger bool
		reply        *stockspb.RebalanceReply
		err          error
		want         string // "" when the answer passes
	}{
		{"fault-free", false, false, expected, nil, ""},
		{"fault-free, retried", false, false, retried, nil, "with no fault"},
		{"fault-free, failed", false, false, nil, unavailable, "call failed"},
		{"ledger down", false, true, nil, unavailable, ""},
		{"ledger and feed down", true, true, nil, unavailable, ""},
		{"ledger down, success", false, true, expected, nil, "want UNAVAILABLE"},
		{"ledger down, other code", false, true, nil, status.Error(codes.Internal, "?"), "want UNAVAILABLE"},
		{"feed retried, complete", true, false, retried, nil, ""},
		{"feed retried, complete, no trades", true, false, reply(func(r *stockspb.RebalanceReply) { r.FeedAttempts, r.TradesRecorded, r.TotalCents = 2, 0, 0 }), nil, "complete reply"},
		{"feed not retried", true, false, expected, nil, "want 2"},
		{"feed partial, 0 prices", true, false, partial(0), nil, ""},
		{"feed partial, 2 prices", true, false, partial(2), nil, ""},
		{"feed partial, traded", true, false, reply(func(r *stockspb.RebalanceReply) { r.FeedAttempts, r.Complete, r.Quotes = 2, false, quotes[:2] }), nil, "want none"},
		{"feed partial, wrong price", true, false, &stockspb.RebalanceReply{Quotes: []*stockspb.Quote{quotes[1]}, FeedAttempts: 2}, nil, "price 0"},
		{"feed partial, every price", true, false, partial(3), nil, "marked incomplete"},
		{"feed faulted, call failed", true, false, nil, status.Error(codes.Unavailable, "feed"), "call failed"},
	} {
		err := check(tc.feed, tc.ledger, tc.reply, tc.err)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v; want a pass", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
		}
	}
}
