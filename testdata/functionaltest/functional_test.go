// Package functionaltest is a functional test written as a Go test, the README's
// go test ./e2e: _test.go files are never instrumented, so the coordinator never
// injects faults into the test's own requests.
package functionaltest

import (
	"net/http"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

func TestBookings(t *testing.T) {
	resp, err := http.Get("http://127.0.0.1:1/users/chris_rivers/bookings")
	if err != nil {
		if !runtime.WasFaultInjected() {
			t.Fatal(err)
		}
		return
	}
	resp.Body.Close()
}
