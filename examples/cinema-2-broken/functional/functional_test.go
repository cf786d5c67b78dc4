//go:build broken

package main

import (
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/filibustertest"
)

// TestUserBookings is the functional test as a Go test. It fails, and is built only
// with the tag broken: the users service of cinema-2-broken turns a 404 from bookings
// into a 200 with an empty body, which the exploration finds. The failing execution is
// saved under testdata/filibuster/TestUserBookings, where every later run replays it
// first (e2e's TestGoTestBroken checks both).
func TestUserBookings(t *testing.T) {
	filibustertest.Explore(t, "..", func(t *testing.T, x *filibustertest.Execution) {
		status, body, err := userBookings(x.URL("users"))
		if err != nil {
			t.Fatal(err)
		}
		if err := check(x.FaultInjected(), status, body); err != nil {
			t.Error(err)
		}
	})
}
