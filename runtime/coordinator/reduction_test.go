package coordinator

import (
	"fmt"
	"testing"
)

// call builds a log entry.
func call(ei, vclock, origin string) *entry {
	return &entry{ei: ei, vclock: vclock, origin: origin, fields: map[string]any{}}
}

var (
	refused  = &failure{ExecutionIndex: "b", ForcedException: map[string]any{"name": "syscall.ECONNREFUSED", "metadata": map[string]any{}}}
	timeout  = &failure{ExecutionIndex: "b", ForcedException: map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{}}}
	grpcCode = func(code string) *failure {
		return &failure{ExecutionIndex: "b", FailureMetadata: map[string]any{"exception": map[string]any{"metadata": map[string]any{"code": code}}}}
	}
	status = func(ei, code string) *failure {
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
		{"gRPC code planned, recorded", func() *entry { e := failedWith(grpcCode("NOT_FOUND")); e.code = "NOT_FOUND"; return e }(), grpcCode("NOT_FOUND"), true},
		{"gRPC code planned, real error with it", func() *entry { e := call("b", "", ""); e.code = statusCode("StatusCode.NOT_FOUND"); return e }(), grpcCode("NOT_FOUND"), true},
		{"gRPC code planned, another recorded", func() *entry { e := call("b", "", ""); e.code = "UNAVAILABLE"; return e }(), grpcCode("NOT_FOUND"), false},
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

// BenchmarkPrunable measures dynamic reduction's decision per candidate execution after
// n earlier executions of a synthetic call tree (a root call with eight children, each
// with a status of its own in each execution), for n from 500 to 4000: a cost that does
// not grow with n is what makes reduction linear in the length of the run.
//
//	go test -run '^$' -bench Prunable ./coordinator
func BenchmarkPrunable(b *testing.B) {
	for _, n := range []int{500, 1000, 2000, 4000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := func() *entry { return call("a", `{"a":1}`, "{}") }
			child := func(k int) *entry {
				return call(fmt.Sprintf("c%d", k), fmt.Sprintf(`{"a":1,"c":%d}`, k), `{"a":1}`)
			}
			c := &Coordinator{}
			for i := 0; i < n; i++ {
				ex := &execution{log: []*entry{root()}}
				ex.log[0].status = "200"
				for k := 0; k < 8; k++ {
					e := child(k)
					e.status = fmt.Sprint(200 + (i>>k)%7)
					ex.log = append(ex.log, e)
				}
				c.done = append(c.done, ex)
			}
			c.prunable(&plan{}) // index the executions, as the run does as they finish
			prefix := []*entry{root()}
			for k := 0; k < 8; k++ {
				prefix = append(prefix, child(k))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p := &plan{prefix: prefix, failures: []*failure{status(fmt.Sprintf("c%d", i%8), fmt.Sprint(200+i%9))}}
				c.prunable(p)
			}
		})
	}
}
