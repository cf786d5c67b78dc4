package main

import (
	"context"
	"encoding/json"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/filibuster-go/filibuster-gen/examples/grpc-cinema-3/cinema3pb"
)

// fakeMovies is a movies client that knows one movie, Creed, and fails every call with
// fail when it is not OK.
type fakeMovies struct {
	fail  codes.Code
	calls int
}

func (f *fakeMovies) GetMovie(ctx context.Context, req *cinema3pb.MovieRequest, opts ...grpc.CallOption) (*cinema3pb.Movie, error) {
	f.calls++
	if f.fail != codes.OK {
		return nil, status.Error(f.fail, "scripted")
	}
	if req.GetId() != "267eedb8-0f5d-42d5-8f43-72426b9fb3e6" {
		return nil, status.Errorf(codes.NotFound, "Movie %s not found.", req.GetId())
	}
	return &cinema3pb.Movie{Id: req.GetId(), Title: "Creed", Rating: 8.8, Director: "Ryan Coogler", Uri: "/movies/" + req.GetId()}, nil
}

func newTestServer(t *testing.T, movies cinema3pb.MoviesClient) *server {
	t.Helper()
	s := &server{movies: movies}
	if err := json.Unmarshal(bookingsJSON, &s.bookings); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGetBookings checks that chris_rivers's one booking is resolved by one call to
// movies.
func TestGetBookings(t *testing.T) {
	f := &fakeMovies{}
	reply, err := newTestServer(t, f).GetBookings(context.Background(), &cinema3pb.UserRequest{Username: "chris_rivers"})
	if err != nil {
		t.Fatal(err)
	}
	want := &cinema3pb.UserBookings{Dates: map[string]*cinema3pb.BookedMovies{
		"20151201": {Movies: []*cinema3pb.BookedMovie{{Rating: 8.8, Title: "Creed", Uri: "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"}}},
	}}
	if !proto.Equal(reply, want) || f.calls != 1 {
		t.Errorf("reply %v after %d calls to movies, want %v after 1", reply, f.calls, want)
	}
}

// TestGetBookingsFailures checks that an unknown user is NOT_FOUND, and that every
// failure of movies is UNAVAILABLE, as cinema-3's bookings answers 404 and 503.
func TestGetBookingsFailures(t *testing.T) {
	_, err := newTestServer(t, &fakeMovies{}).GetBookings(context.Background(), &cinema3pb.UserRequest{Username: "nobody"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("unknown user: %v, want NOT_FOUND", err)
	}
	for _, c := range []codes.Code{codes.Unavailable, codes.DeadlineExceeded, codes.NotFound, codes.Internal} {
		_, err := newTestServer(t, &fakeMovies{fail: c}).GetBookings(context.Background(), &cinema3pb.UserRequest{Username: "chris_rivers"})
		if status.Code(err) != codes.Unavailable {
			t.Errorf("movies failing with %v: %v, want UNAVAILABLE", c, err)
		}
	}
}
