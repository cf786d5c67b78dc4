package main

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

// fakeBookings is a bookings client whose calls fail with the codes in its script, one
// per call, and succeed once the script is used up.
type fakeBookings struct {
	script []codes.Code
	calls  int
}

var booked = &cinema3pb.UserBookings{Dates: map[string]*cinema3pb.BookedMovies{
	"20151201": {Movies: []*cinema3pb.BookedMovie{{Rating: 8.8, Title: "Creed", Uri: "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"}}},
}}

func (f *fakeBookings) GetBookings(ctx context.Context, req *cinema3pb.UserRequest, opts ...grpc.CallOption) (*cinema3pb.UserBookings, error) {
	f.calls++
	if _, ok := ctx.Deadline(); !ok {
		return nil, status.Error(codes.InvalidArgument, "no deadline")
	}
	if f.calls <= len(f.script) {
		return nil, status.Error(f.script[f.calls-1], "scripted")
	}
	return booked, nil
}

// TestGetUserBookings checks the retry of cinema-3's users: a first attempt that fails
// in any way is tried again, and the answer follows the second attempt.
func TestGetUserBookings(t *testing.T) {
	for _, c := range []struct {
		name   string
		script []codes.Code
		calls  int
		want   codes.Code
	}{
		{"no fault", nil, 1, codes.OK},
		{"first attempt unavailable", []codes.Code{codes.Unavailable}, 2, codes.OK},
		{"first attempt not found", []codes.Code{codes.NotFound}, 2, codes.OK},
		{"both unavailable", []codes.Code{codes.Unavailable, codes.Unavailable}, 2, codes.Unavailable},
		{"both deadline exceeded", []codes.Code{codes.DeadlineExceeded, codes.DeadlineExceeded}, 2, codes.Unavailable},
		{"second not found", []codes.Code{codes.Internal, codes.NotFound}, 2, codes.NotFound},
		{"second internal", []codes.Code{codes.NotFound, codes.Internal}, 2, codes.Unavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeBookings{script: c.script}
			s := &server{users: map[string]user{"chris_rivers": {ID: "chris_rivers"}}, bookings: f}
			reply, err := s.GetUserBookings(context.Background(), &cinema3pb.UserRequest{Username: "chris_rivers"})
			if got := status.Code(err); got != c.want {
				t.Errorf("code %v (%v), want %v", got, err, c.want)
			}
			if c.want == codes.OK && !proto.Equal(reply, booked) {
				t.Errorf("reply %v, want %v", reply, booked)
			}
			if f.calls != c.calls {
				t.Errorf("%d calls to bookings, want %d", f.calls, c.calls)
			}
		})
	}
}

// TestGetUserBookingsUnknownUser checks that an unknown user is NOT_FOUND without a call
// to bookings.
func TestGetUserBookingsUnknownUser(t *testing.T) {
	f := &fakeBookings{}
	s := &server{users: map[string]user{}, bookings: f}
	_, err := s.GetUserBookings(context.Background(), &cinema3pb.UserRequest{Username: "nobody"})
	if status.Code(err) != codes.NotFound || f.calls != 0 {
		t.Errorf("%v after %d calls to bookings, want NOT_FOUND after none", err, f.calls)
	}
}
