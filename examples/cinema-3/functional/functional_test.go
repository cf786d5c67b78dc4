package main

import (
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/filibustertest"
)

// TestUserBookings is the functional test as a Go test: filibustertest runs its body
// once per execution of the exploration, with the paper's counts for cinema-3.
func TestUserBookings(t *testing.T) {
	body := func(t *testing.T, x *filibustertest.Execution) {
		status, body, err := userBookings(x.URL("users"))
		if err != nil {
			t.Fatal(err)
		}
		if err := check(x.FaultInjected(), status, body); err != nil {
			t.Error(err)
		}
	}
	for _, c := range []struct {
		name string
		opts []filibustertest.Option
		want int
	}{
		{"reduction", nil, 37},
		{"no-reduction", []filibustertest.Option{filibustertest.WithoutReduction()}, 91},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := filibustertest.Explore(t, "..", body, c.opts...)
			if !testing.Short() && s != nil && s.ExecutionsRan != c.want {
				t.Errorf("%d executions, want the paper's %d", s.ExecutionsRan, c.want)
			}
		})
	}
}
