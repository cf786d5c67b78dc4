package coordinator

import (
	"testing"
)

// call builds a log entry.
func call(ei, vclock, origin string) *entry {
	return &entry{ei: ei, vclock: vclock, origin: origin, fields: map[string]any{}}
}

var (
	refused = &failure{ExecutionIndex: "b", ForcedException: map[string]any{"name": "syscall.ECONNREFUSED", "metadata": map[string]any{}}}
	timeout = &failure{ExecutionIndex: "b", ForcedException: map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{}}}
	status  = func(ei, code string) *failure {
		return &failure{ExecutionIndex: ei, FailureMetadata: map[string]any{"return_value": map[string]any{"status_code": code}}}
	}
)

// TestOutcomeMatches covers each row of the outcome-matching rule (protocol.md §6.4).
func TestOutcomeMatches(t *testing.T) {
	failedWith := func(f *failure) *entry { e := call("b", "", ""); e.failed = f; return e }
	responded := func(code string) *entry { e := call("b", "", ""); e.status = code; return e }
	cases := []struct {
		name     string
		recorded *entry
		planned  *failure
		want     bool
	}{
		{"same injected exception", failedWith(refused), refused, true},
		{"other injected exception", failedWith(timeout), refused, false},
		{"exception planned, call not failed", responded("200"), refused, false},
		{"real response with the injected status", responded("503"), status("b", "503"), true},
		{"injected response with the injected status", func() *entry { e := failedWith(status("b", "503")); e.status = "503"; return e }(), status("b", "503"), true},
		{"response with another status", responded("200"), status("b", "503"), false},
		{"status planned, call failed by exception", failedWith(refused), status("b", "503"), false},
		{"un-failed call planned and recorded", responded("200"), nil, true},
		{"un-failed call planned, recorded failed", failedWith(refused), nil, false},
	}
	for _, tc := range cases {
		if got := outcomeMatches(tc.recorded, tc.planned); got != tc.want {
			t.Errorf("%s: outcomeMatches = %t, want %t", tc.name, got, tc.want)
		}
	}
}

// TestPrunable checks the pruning decision on cinema-2's shape: users calls bookings
// (a), bookings calls movies (b).
func TestPrunable(t *testing.T) {
	a := func() *entry { return call("a", `{"users":1}`, "{}") }
	b := func() *entry { return call("b", `{"bookings":1,"users":1}`, `{"users":1}`) }

	// An earlier execution where movies failed and bookings therefore answered 503.
	moviesFailed := &execution{log: []*entry{a(), b()}}
	moviesFailed.log[0].status = "503"
	moviesFailed.log[1].failed = status("b", "404")
	moviesFailed.log[1].status = "404"
	c := &Coordinator{done: []*execution{{log: []*entry{a(), b()}}, moviesFailed}}
	c.done[0].log[0].status = "200"
	c.done[0].log[1].status = "200"

	// Injecting 503 on bookings directly is pruned: bookings has already answered 503.
	if !c.prunable(&plan{prefix: []*entry{a()}, failures: []*failure{status("a", "503")}}) {
		t.Error("503 on bookings is not pruned, though an earlier execution saw bookings answer 503")
	}
	// Injecting 404 on bookings is not: no execution saw bookings answer 404.
	if c.prunable(&plan{prefix: []*entry{a()}, failures: []*failure{status("a", "404")}}) {
		t.Error("404 on bookings is pruned, though no earlier execution saw it")
	}
	// A fault on movies under a healthy bookings is new: movies never failed with 500.
	if c.prunable(&plan{prefix: []*entry{a(), b()}, failures: []*failure{status("b", "500")}}) {
		t.Error("500 on movies is pruned, though no earlier execution saw it")
	}
	// The same fault as an earlier execution's is pruned.
	if !c.prunable(&plan{prefix: []*entry{a(), b()}, failures: []*failure{status("b", "404")}}) {
		t.Error("404 on movies is not pruned, though an earlier execution injected it")
	}
}
