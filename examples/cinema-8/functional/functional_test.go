package main

import (
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/filibuster-go/filibuster-gen/runtime/filibustertest"
)

// TestUserBookings is the functional test as a Go test: filibustertest runs its body
// once per execution of the exploration, which must give the paper's counts for
// cinema-8, with and without dynamic reduction, as ../filibuster.json states them.
func TestUserBookings(t *testing.T) {
	cfg, err := deploy.LoadConfig("..")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Expected == nil {
		t.Fatal("../filibuster.json has no expected counts")
	}
	body := func(t *testing.T, x *filibustertest.Execution) {
		status, body, err := userBookings(x.URL("api-server"))
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
		{"reduction", nil, cfg.Expected.WithReduction},
		{"no-reduction", []filibustertest.Option{filibustertest.WithoutReduction()}, cfg.Expected.WithoutReduction},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := filibustertest.Explore(t, "..", body, c.opts...)
			if !testing.Short() && s != nil && s.ExecutionsRan != c.want {
				t.Errorf("%d executions, want the paper's %d", s.ExecutionsRan, c.want)
			}
		})
	}
}
