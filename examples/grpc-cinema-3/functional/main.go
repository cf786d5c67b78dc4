// Command functional is the functional test of grpc-cinema-3, the gRPC form of cinema-3's
// functional/test_user_bookings.py: it makes one plain call to the entry service,
// Users/GetUserBookings for chris_rivers, and checks the answer, asking the coordinator
// whether faults were injected for the conditional parts. It exits 0 when the test passes
// and 1 when it fails.
//
// It finds the entry service at USERS_URL (a host:port or an http://host:port URL;
// default 127.0.0.1:5000) and the coordinator at FILIBUSTER_URL; with FILIBUSTER_URL
// unset no fault is ever injected.
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

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
	"github.com/filibuster-go/filibuster-gen/runtime"
)

// expected is the answer when the user's bookings are found: cinema-3's
// {"20151201": [{"rating": 8.8, "title": "Creed", "uri": "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"}]}.
var expected = &cinema3pb.UserBookings{Dates: map[string]*cinema3pb.BookedMovies{
	"20151201": {Movies: []*cinema3pb.BookedMovie{
		{Rating: 8.8, Title: "Creed", Uri: "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"},
	}},
}}

func main() {
	target := strings.TrimPrefix(os.Getenv("USERS_URL"), "http://")
	if target == "" {
		target = "127.0.0.1:5000"
	}
	reply, err := userBookings(target)
	if err := check(runtime.WasFaultInjected(), reply, err); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
}

// userBookings makes the test's one call to the users service at target, with a 10 s
// timeout, and returns the answer.
func userBookings(target string) (*cinema3pb.UserBookings, error) {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cinema3pb.NewUsersClient(conn).GetUserBookings(ctx, &cinema3pb.UserRequest{Username: "chris_rivers"})
}

// check asserts what test_user_bookings.py asserts, with gRPC codes for HTTP statuses,
// given whether the execution injects a fault: without a fault, the call succeeds with
// the expected bookings; with one, it fails with UNAVAILABLE (503) or NOT_FOUND (404), or
// succeeds with the expected bookings (the retry hid the fault).
func check(faultInjected bool, reply *cinema3pb.UserBookings, err error) error {
	if err == nil {
		if !proto.Equal(reply, expected) {
			return fmt.Errorf("reply %v, want %v", reply, expected)
		}
		return nil
	}
	if !faultInjected {
		return fmt.Errorf("call failed although no fault was injected: %v", err)
	}
	if c := status.Code(err); c != codes.Unavailable && c != codes.NotFound {
		return fmt.Errorf("call failed with %v, want UNAVAILABLE or NOT_FOUND: %v", c, err)
	}
	return nil
}
