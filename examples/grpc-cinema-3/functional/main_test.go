package main

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

// TestCheck checks the assertions of test_user_bookings.py: a success must carry the
// expected bookings, with or without a fault (a retry can hide one), and a failure is
// allowed only with a fault and only as UNAVAILABLE or NOT_FOUND.
func TestCheck(t *testing.T) {
	wrong := &cinema3pb.UserBookings{}
	for _, c := range []struct {
		name  string
		fault bool
		reply *cinema3pb.UserBookings
		err   error
		ok    bool
	}{
		{"no fault, expected", false, expected, nil, true},
		{"no fault, wrong bookings", false, wrong, nil, false},
		{"no fault, failure", false, nil, status.Error(codes.Unavailable, "x"), false},
		{"fault hidden by the retry", true, expected, nil, true},
		{"fault, wrong bookings", true, wrong, nil, false},
		{"fault, UNAVAILABLE", true, nil, status.Error(codes.Unavailable, "x"), true},
		{"fault, NOT_FOUND", true, nil, status.Error(codes.NotFound, "x"), true},
		{"fault, INTERNAL", true, nil, status.Error(codes.Internal, "x"), false},
	} {
		if err := check(c.fault, c.reply, c.err); (err == nil) != c.ok {
			t.Errorf("%s: check = %v, want ok %t", c.name, err, c.ok)
		}
	}
}
