package filibustertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

func TestName(t *testing.T) {
	for _, tc := range []struct {
		faults []coordinator.Fault
		want   string
	}{
		{nil, "fault-free"},
		{[]coordinator.Fault{{Service: "bookings", Status: 503}}, "bookings-503"},
		{[]coordinator.Fault{{Service: "bookings", Exception: "requests.exceptions.ConnectionError"}, {Service: "movies", Exception: "context.DeadlineExceeded"}},
			"bookings-ConnectionError+movies-DeadlineExceeded"},
		{[]coordinator.Fault{{URL: "5001/movies/7", Exception: "syscall.ECONNREFUSED"}}, "5001-ECONNREFUSED"},
		{[]coordinator.Fault{{Service: "users", Exception: "google.golang.org/grpc/status.Error", Code: "UNAVAILABLE"}, {Service: "users", Code: "NOT_FOUND"}},
			"users-UNAVAILABLE+users-NOT_FOUND"},
	} {
		if got := Name(tc.faults); got != tc.want {
			t.Errorf("Name(%v) = %q, want %q", tc.faults, got, tc.want)
		}
	}
}

func TestFaultInjectedOnCall(t *testing.T) {
	x := &Execution{Faults: []coordinator.Fault{{Service: "bookings", Method: "GET", URL: "5002/bookings/chris?x=1", Status: 404}}}
	for _, tc := range []struct {
		service, method, path string
		want                  bool
	}{
		{"bookings", "GET", "/bookings/chris", true},
		{"bookings", "get", "/bookings/chris", true},
		{"bookings", "POST", "/bookings/chris", false},
		{"bookings", "GET", "/bookings", false},
		{"movies", "GET", "/bookings/chris", false},
	} {
		if got := x.FaultInjectedOnCall(tc.service, tc.method, tc.path); got != tc.want {
			t.Errorf("FaultInjectedOnCall(%q, %q, %q) = %t, want %t", tc.service, tc.method, tc.path, got, tc.want)
		}
	}
}

func TestSaveKeepsOneCopy(t *testing.T) {
	dir := t.TempDir()
	ce := filepath.Join(dir, "ce.json")
	write := func(content string) {
		if err := os.WriteFile(ce, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	saved := filepath.Join(dir, "saved")
	write("a")
	first, err := save(ce, saved, "bookings-404")
	if err != nil {
		t.Fatal(err)
	}
	again, err := save(ce, saved, "bookings-404")
	if err != nil || again != first {
		t.Errorf("saving the same failure again gave %s, %v; want %s kept", again, err, first)
	}
	write("b")
	other, err := save(ce, saved, "bookings-404")
	if err != nil || other == first {
		t.Errorf("another failure of the same name was saved as %s, %v; want a file of its own", other, err)
	}
	if files, _ := filepath.Glob(filepath.Join(saved, "*.json")); len(files) != 2 {
		t.Errorf("saved files %v, want 2", files)
	}
}
