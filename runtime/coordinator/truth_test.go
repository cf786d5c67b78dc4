package coordinator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// simulated is a functional test that plays an application against the coordinator:
// each execution, call makes the calls, in order, that calls returns for that execution.
type simulated struct {
	t    *testing.T
	srv  *httptest.Server
	runs int
	// calls says, for the n-th execution (1-based), which calls are made: each a key,
	// a target service and whether it is made on a goroutine.
	calls func(n int) []simCall
	// check, when set, is asked after the calls whether the execution passed.
	check func(n int, faulted map[string]bool) bool
}

type simCall struct {
	key, target string
	onGoroutine bool
}

func (s *simulated) test(ctx context.Context) (bool, error) {
	s.runs++
	faulted := make(map[string]bool)
	if _, m := do(s.t, s.srv, "GET", "/filibuster/new-test-execution/a", ""); m == nil {
		return false, errors.New("no answer")
	}
	for i, c := range s.calls(s.runs) {
		ei := fmt.Sprintf(`[[\"%s\", 1]]`, c.key)
		body := fmt.Sprintf(`{"execution_index": "%s", "module": "net/http", "method": "GET", "source_service_name": "a",
			"vclock": {"a": %d}, "origin_vclock": {}, "metadata": {}, "args": ["1/%s"], "on_goroutine": %t}`, ei, i+1, c.key, c.onGoroutine)
		_, m := do(s.t, s.srv, "PUT", "/filibuster/create", strings.ReplaceAll(body, "\n", " "))
		id := m["generated_id"]
		if m["forced_exception"] != nil || m["failure_metadata"] != nil {
			faulted[c.key] = true
			continue
		}
		do(s.t, s.srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "request_received", "generated_id": %v, "target_service_name": "%s"}`, id, c.target))
		do(s.t, s.srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "invocation_complete", "generated_id": %v, "return_value": {"status_code": "200"}}`, id))
	}
	if s.check != nil {
		return s.check(s.runs, faulted), nil
	}
	return true, nil
}

// oneError is an analysis with one exception and one error status for every service.
func oneError(t *testing.T) *faultmodel.File {
	t.Helper()
	f, err := faultmodel.Parse([]byte(`{"go.net/http": {"pattern": "net/http\\.(GET)", "exceptions": [{"name": "syscall.ECONNREFUSED"}],
		"errors": [{"service_name": ".*", "types": [{"return_value": {"status_code": "503"}}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// explore runs an exploration of sim with opts and returns its summary and progress.
func explore(t *testing.T, sim *simulated, opts Options) (*Summary, string, error) {
	t.Helper()
	var progress bytes.Buffer
	opts.Progress = &progress
	if opts.Analysis == nil {
		opts.Analysis = oneError(t)
	}
	c := New(opts)
	sim.t = t
	sim.srv = httptest.NewServer(c)
	defer sim.srv.Close()
	c.SetFunctionalTest(sim.test)
	s, err := c.Explore(context.Background())
	return s, progress.String(), err
}

// TestUnreachedFaults checks that a fault scheduled for a call that does not happen
// again (its index changed) is reported, is not counted as passed, and makes the
// exploration incomplete unless allowed.
func TestUnreachedFaults(t *testing.T) {
	calls := func(n int) []simCall {
		// The second call's key differs after the first execution, as a per-request
		// id in a hashed URL made it.
		second := "later"
		if n == 1 {
			second = "changing-1"
		}
		return []simCall{{key: "stable", target: "b"}, {key: second, target: "c"}}
	}
	s, progress, err := explore(t, &simulated{calls: calls}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 1 fault-free; 2 faults on each call of execution 1; for each fault on the second
	// call, which never lands, 2 more on the call that replaced it, combined with it.
	if s.ExecutionsRan != 13 || s.Passed != 7 || len(s.Unreached) != 6 || !s.Incomplete {
		t.Errorf("ran %d, passed %d, unreached %v, incomplete %t; want 13, 7, 6 executions, true",
			s.ExecutionsRan, s.Passed, s.Unreached, s.Incomplete)
	}
	if !strings.Contains(progress, "NOT TESTED") || !strings.Contains(progress, "fault never landed: syscall.ECONNREFUSED on c GET 1/changing-1") {
		t.Errorf("progress does not report the fault that never landed:\n%s", progress)
	}
	if !strings.Contains(progress, "nondeterministic: call 2 of the 2 it was scheduled from, a to c GET 1/changing-1, did not happen") {
		t.Errorf("progress does not name the first call that did not happen:\n%s", progress)
	}
	s, _, err = explore(t, &simulated{calls: calls}, Options{AllowUnreached: true})
	if err != nil || s.Incomplete || len(s.Unreached) != 6 {
		t.Errorf("with AllowUnreached: incomplete %t, unreached %v, err %v; want false, 6 reported", s.Incomplete, s.Unreached, err)
	}
}

// TestNothingObserved checks that a fault-free execution that reports no call, or that
// fails, is an error rather than a pass or a counterexample.
func TestNothingObserved(t *testing.T) {
	_, _, err := explore(t, &simulated{calls: func(int) []simCall { return nil }}, Options{})
	if !errors.Is(err, ErrNothingObserved) {
		t.Errorf("no call reported: err %v, want ErrNothingObserved", err)
	}
	ce := filepath.Join(t.TempDir(), "counterexample.json")
	fails := &simulated{calls: func(int) []simCall { return []simCall{{key: "k", target: "b"}} },
		check: func(int, map[string]bool) bool { return false }}
	_, _, err = explore(t, fails, Options{CounterexampleFile: ce})
	if !errors.Is(err, ErrFaultFreeFailed) {
		t.Errorf("fault-free execution failed: err %v, want ErrFaultFreeFailed", err)
	}
	if _, err := os.Stat(ce); err == nil {
		t.Error("a counterexample was written for a fault-free failure")
	}
}

// TestConcurrentOrder checks that calls made on goroutines explore the same way
// whatever order they reach the coordinator in.
func TestConcurrentOrder(t *testing.T) {
	var sequences []string
	for _, swap := range []bool{false, true} {
		calls := func(n int) []simCall {
			cs := []simCall{{key: "first", target: "b"}, {key: "x", target: "c", onGoroutine: true}, {key: "y", target: "d", onGoroutine: true}}
			if swap != (n%2 == 0) { // arrival order changes from one execution to the next
				cs[1], cs[2] = cs[2], cs[1]
			}
			return cs
		}
		s, progress, err := explore(t, &simulated{calls: calls}, Options{DynamicReduction: true})
		if err != nil {
			t.Fatal(err)
		}
		if s.Diverged != 0 || len(s.Unreached) != 0 {
			t.Errorf("swap %t: %d nondeterministic, unreached %v", swap, s.Diverged, s.Unreached)
		}
		sequences = append(sequences, stripCounts(progress))
	}
	if sequences[0] != sequences[1] {
		t.Errorf("the order of concurrent calls changed the exploration:\n%s\nvs\n%s", sequences[0], sequences[1])
	}
}

// stripCounts drops the running counts from progress lines.
func stripCounts(progress string) string {
	var b strings.Builder
	for _, line := range strings.Split(progress, "\n") {
		if i := strings.LastIndex(line, " (ran "); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestReplayAnswersAsRecorded checks that a counterexample records the target of a
// faulted call, replays with the same fault-injected answers, and is never rewritten.
func TestReplayAnswersAsRecorded(t *testing.T) {
	ce := filepath.Join(t.TempDir(), "counterexample.json")
	var answers []string
	var srv *httptest.Server
	sim := &simulated{
		calls: func(int) []simCall { return []simCall{{key: "k", target: "bookings"}} },
		check: func(n int, faulted map[string]bool) bool {
			_, on := do(t, srv, "GET", "/filibuster/fault-injected/bookings", "")
			_, off := do(t, srv, "GET", "/filibuster/fault-injected/movies", "")
			answers = append(answers, fmt.Sprint(on["result"], off["result"]))
			return !faulted["k"]
		},
	}
	run := func(opts Options) *Summary {
		opts.Analysis = oneError(t)
		c := New(opts)
		sim.t = t
		srv = httptest.NewServer(c)
		sim.srv = srv
		defer srv.Close()
		c.SetFunctionalTest(sim.test)
		s, err := c.Explore(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := run(Options{CounterexampleFile: ce}); !s.Failed {
		t.Fatal("the exploration did not fail")
	}
	recorded := answers[len(answers)-1]
	before, err := os.ReadFile(ce)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(before, []byte(`\"target_service_name\": \"bookings\"`)) {
		t.Errorf("the counterexample does not name the faulted call's target:\n%s", before)
	}
	sim.runs = 0
	if s := run(Options{Replay: ce, CounterexampleFile: ce}); !s.Failed {
		t.Error("the replay passed")
	}
	if replayed := answers[len(answers)-1]; replayed != recorded || recorded != "true false" {
		t.Errorf("fault-injected answers: recorded %q, replayed %q; want both \"true false\"", recorded, replayed)
	}
	if after, _ := os.ReadFile(ce); !bytes.Equal(before, after) {
		t.Error("replaying rewrote the counterexample")
	}
}
