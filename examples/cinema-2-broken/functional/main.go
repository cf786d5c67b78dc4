// Command functional is the functional test of cinema-2-broken, a port of the original's
// functional/test_user_bookings.py: it sends one plain request to the entry service,
// GET /users/chris_rivers/bookings, and checks the answer, asking the coordinator
// whether faults were injected for the conditional parts. It exits 0 when the test
// passes and 1 when it fails.
//
// It finds the entry service at USERS_URL (default http://127.0.0.1:5000) and the
// coordinator at FILIBUSTER_URL; with FILIBUSTER_URL unset no fault is ever injected.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// expectedBody is the answer when the user's bookings are found.
const expectedBody = `{"20151201": [{"rating": 8.8, "title": "Creed", "uri": "/movies/267eedb8-0f5d-42d5-8f43-72426b9fb3e6"}]}`

func main() {
	base := os.Getenv("USERS_URL")
	if base == "" {
		base = "http://127.0.0.1:5000"
	}
	status, body, err := userBookings(base)
	if err != nil {
		fail(err)
	}
	if err := check(runtime.WasFaultInjected(), status, body); err != nil {
		fail(err)
	}
}

// userBookings sends the test's one request to the users service at base and returns
// the answer.
func userBookings(base string) (int, []byte, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/users/chris_rivers/bookings")
	if err != nil {
		return 0, nil, fmt.Errorf("requesting the user's bookings: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("reading the user's bookings: %w", err)
	}
	return resp.StatusCode, body, nil
}

// fail reports err and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
	os.Exit(1)
}

// jsonEqual reports whether body holds the same JSON value as want.
func jsonEqual(body []byte, want string) bool {
	var got, exp any
	if err := json.Unmarshal(body, &got); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		panic(fmt.Sprintf("bad expected body %s: %v", want, err))
	}
	return reflect.DeepEqual(got, exp)
}

// check asserts what test_user_bookings.py asserts, given whether the execution injects
// a fault: a 200 answer means no fault was injected and the bookings are the expected
// ones; any other answer means a fault was injected and the status is 503 or 404.
func check(faultInjected bool, status int, body []byte) error {
	if status == http.StatusOK {
		if faultInjected {
			return fmt.Errorf("status 200 although a fault was injected (body %q)", body)
		}
		if !jsonEqual(body, expectedBody) {
			return fmt.Errorf("status 200 with body %q, want %s", body, expectedBody)
		}
		return nil
	}
	if !faultInjected {
		return fmt.Errorf("status %d although no fault was injected", status)
	}
	if !slices.Contains([]int{http.StatusServiceUnavailable, http.StatusNotFound}, status) {
		return fmt.Errorf("status %d, want 503 or 404", status)
	}
	return nil
}
