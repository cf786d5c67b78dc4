package runtime

import (
	"net/url"
	"testing"
)

// TestTargetsNameTheCallee checks that with FILIBUSTER_TARGETS a call's execution-index
// key names the service it is sent to instead of its host and port, so that the key is
// the same when the application runs on other ports, and that calls to hosts it does not
// name, and every call without it, keep their host and port.
func TestTargetsNameTheCallee(t *testing.T) {
	key := func(targets, rawURL string) string {
		t.Helper()
		t.Setenv("FILIBUSTER_URL", "http://127.0.0.1:9")
		t.Setenv("FILIBUSTER_TARGETS", targets)
		reset()
		defer reset()
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatal(err)
		}
		return callKey("site", module, "GET", u)
	}
	first := key("users=127.0.0.1:20001,bookings=127.0.0.1:20002", "http://127.0.0.1:20002/bookings/chris")
	moved := key("users=127.0.0.1:31001,bookings=127.0.0.1:31002", "http://127.0.0.1:31002/bookings/chris")
	if first != moved {
		t.Errorf("the call to bookings has key %s on one block of ports and %s on another", first, moved)
	}
	if other := key("users=127.0.0.1:20001,bookings=127.0.0.1:20002", "http://127.0.0.1:20001/bookings/chris"); other == first {
		t.Error("calls to users and to bookings have the same key")
	}
	unnamed := key("users=127.0.0.1:20001", "http://127.0.0.1:20002/bookings/chris")
	if unnamed != key("", "http://127.0.0.1:20002/bookings/chris") || unnamed == first {
		t.Error("a call to a host FILIBUSTER_TARGETS does not name does not keep its host and port in its key")
	}
	if bad := key("nonsense,bookings=127.0.0.1:20002", "http://127.0.0.1:20002/bookings/chris"); bad != first {
		t.Error("a malformed entry of FILIBUSTER_TARGETS changes the others")
	}
}
