package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// siteCall is a call a reporting application makes: its key, callee, call site, and
// the status it answers when no fault is injected ("" for 200).
type siteCall struct {
	key, target, site, status string
}

// reporting plays an application against the coordinator, sending call sites as the
// runtime does, and records the functional test's output.
type reporting struct {
	t     *testing.T
	url   string
	runs  int
	calls func(n int) []siteCall
	fails func(faulted map[string]bool) bool
}

func (r *reporting) test(ctx context.Context) (bool, error) {
	r.runs++
	srv := &httptest.Server{URL: r.url}
	faulted := make(map[string]bool)
	for i, c := range r.calls(r.runs) {
		file, line, _ := strings.Cut(c.site, ":")
		body := fmt.Sprintf(`{"execution_index": "[[\"%s\", 1]]", "module": "net/http", "method": "GET", "source_service_name": "a",
			"vclock": {"a": %d}, "origin_vclock": {}, "metadata": {}, "args": ["http://%s/%s"],
			"callsite_file": %q, "callsite_line": %q}`, c.key, i+1, c.target, c.key, file, line)
		_, m := do(r.t, srv, "PUT", "/filibuster/create", strings.ReplaceAll(body, "\n", " "))
		id := m["generated_id"]
		if fm, ok := m["failure_metadata"].(map[string]any); ok {
			faulted[c.key] = true
			code := fm["return_value"].(map[string]any)["status_code"]
			do(r.t, srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "invocation_complete", "generated_id": %v, "return_value": {"status_code": "%v"}}`, id, code))
			continue
		}
		if fe, ok := m["forced_exception"].(map[string]any); ok {
			faulted[c.key] = true
			do(r.t, srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "invocation_complete", "generated_id": %v, "exception": {"name": %q}}`, id, fe["name"]))
			continue
		}
		do(r.t, srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "request_received", "generated_id": %v, "target_service_name": "%s"}`, id, c.target))
		status := c.status
		if status == "" {
			status = "200"
		}
		do(r.t, srv, "POST", "/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "invocation_complete", "generated_id": %v, "return_value": {"status_code": %q}}`, id, status))
	}
	passed := r.fails == nil || !r.fails(faulted)
	ExecutionFrom(ctx).SetOutput(fmt.Sprintf("run %d: passed %t\n", r.runs, passed))
	return passed, nil
}

// exploreReport explores r with opts and returns the summary and the report.
func exploreReport(t *testing.T, r *reporting, opts Options) (*Summary, *Report) {
	t.Helper()
	if opts.Analysis == nil {
		opts.Analysis = oneError(t)
	}
	c := New(opts)
	srv := httptest.NewServer(c)
	defer srv.Close()
	r.t, r.url = t, srv.URL
	c.SetFunctionalTest(r.test)
	s, err := c.Explore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Report == nil {
		t.Fatal("Summary.Report is nil after Explore")
	}
	// The report survives its JSON form unchanged.
	data, err := json.Marshal(s.Report)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	back.Settings.Analysis = s.Report.Settings.Analysis
	if !reflect.DeepEqual(&back, s.Report) {
		t.Errorf("the report changed through JSON:\n%s", data)
	}
	return s, s.Report
}

// TestReportFailure checks the report of an exploration that stops at a failing
// execution: the fault, where it landed, the calls' outcomes, what was never run, the
// functional test's output and the call sites' coverage.
func TestReportFailure(t *testing.T) {
	app := &reporting{
		calls: func(int) []siteCall {
			return []siteCall{{"k1", "b", "a/main.go:10", ""}, {"k2", "c", "a/main.go:20", ""}}
		},
		// A 503 from c is not handled.
		fails: func(faulted map[string]bool) bool { return faulted["k2"] },
	}
	s, r := exploreReport(t, app, Options{})
	if !s.Failed {
		t.Fatal("the exploration did not fail")
	}
	sum := r.Summary
	if sum.Result != "failed" || sum.Ran != s.ExecutionsRan || sum.Failed != 1 || sum.Passed != s.Passed || sum.NotTested != 0 || sum.Unlanded != 0 {
		t.Errorf("summary %+v; want failed, %d ran, 1 failed, %d passed", sum, s.ExecutionsRan, s.Passed)
	}
	// Depth first, the last fault scheduled runs first: 503 on the second call.
	if len(r.Executions) != 2 {
		t.Fatalf("%d executions in the report, want 2", len(r.Executions))
	}
	first, failed := r.Executions[0], r.Executions[1]
	if first.Number != 1 || first.Result != "passed" || len(first.Faults) != 0 || len(first.Calls) != 2 {
		t.Errorf("execution 1: %+v; want passed, no faults, 2 calls", first)
	}
	if failed.Result != "failed" || len(failed.Faults) != 1 {
		t.Fatalf("execution 2: %+v; want failed with one fault", failed)
	}
	f := failed.Faults[0]
	if f.Kind != "status 503" || !f.Reached || f.Site != "a/main.go:20" || f.Service != "c" || f.Method != "GET" || f.URL != "http://c/k2" {
		t.Errorf("fault %+v; want status 503 reached on c GET http://c/k2 at a/main.go:20", f)
	}
	want := []CallReport{
		{Source: "a", Target: "b", Site: "a/main.go:10", Method: "GET", URL: "http://b/k1", Received: true, Status: 200},
		{Source: "a", Target: "c", Site: "a/main.go:20", Method: "GET", URL: "http://c/k2", Status: 503, Injected: "status 503"},
	}
	for i, c := range failed.Calls {
		got := CallReport{Source: c.Source, Target: c.Target, Site: c.Site, Method: c.Method, URL: c.URL, Received: c.Received, Status: c.Status, Injected: c.Injected}
		if i >= len(want) || !reflect.DeepEqual(got, want[i]) {
			t.Errorf("call %d: %+v", i+1, got)
		} else if c.Module != "net/http" || c.ExecutionIndex == "" || len(c.VClock) == 0 {
			t.Errorf("call %d: module %q, execution index %q, vclock %s", i+1, c.Module, c.ExecutionIndex, c.VClock)
		}
	}
	if failed.Output != "run 2: passed false\n" {
		t.Errorf("output %q, want the functional test's", failed.Output)
	}
	// Left on the stack: ECONNREFUSED on k2, 503 and ECONNREFUSED on k1.
	if sum.NotRun != 3 {
		t.Errorf("%d executions not run, want 3", sum.NotRun)
	}
	if len(r.Sites) != 2 {
		t.Fatalf("sites %+v, want 2", r.Sites)
	}
	second := r.Sites[1]
	if second.Site != "a/main.go:20" || second.Calls != 2 || second.FaultFreeCalls != 1 ||
		!reflect.DeepEqual(second.Injected, []string{"status 503"}) ||
		!reflect.DeepEqual(second.Possible, []string{"status 503", "syscall.ECONNREFUSED"}) ||
		!reflect.DeepEqual(second.NeverInjected, []string{"syscall.ECONNREFUSED"}) ||
		!reflect.DeepEqual(second.Targets, []string{"c"}) {
		t.Errorf("site %+v", second)
	}
	if r.Sites[0].Site != "a/main.go:10" || len(r.Sites[0].Injected) != 0 || len(r.Sites[0].NeverInjected) != 2 {
		t.Errorf("site %+v: want nothing injected, both faults never injected", r.Sites[0])
	}
}

// TestReportUnreached checks that an execution whose fault never landed is "not
// tested" in the report, never "passed", and that its fault is shown not reached.
func TestReportUnreached(t *testing.T) {
	app := &reporting{calls: func(n int) []siteCall {
		second := "later"
		if n == 1 {
			second = "changing"
		}
		return []siteCall{{"stable", "b", "a/main.go:10", ""}, {second, "c", "a/main.go:20", ""}}
	}}
	s, r := exploreReport(t, app, Options{})
	unlanded := 0
	for _, u := range s.Unreached {
		unlanded += len(u.Faults)
	}
	sum := r.Summary
	if sum.Result != "incomplete" || sum.NotTested != len(s.Unreached) || sum.Passed != s.Passed || sum.Unlanded != unlanded || sum.Diverged != s.Diverged {
		t.Errorf("summary %+v; want incomplete, %d not tested, %d passed, %d unlanded, %d diverged", sum, len(s.Unreached), s.Passed, unlanded, s.Diverged)
	}
	notTested := make(map[int]bool)
	for _, u := range s.Unreached {
		notTested[u.Execution] = true
	}
	for _, x := range r.Executions {
		reached := true
		for _, f := range x.Faults {
			reached = reached && f.Reached
		}
		if notTested[x.Number] != (x.Result == "not tested") || reached == notTested[x.Number] {
			t.Errorf("execution %d: %s, faults %+v; unreached in the summary: %t", x.Number, x.Result, x.Faults, notTested[x.Number])
		}
	}
}

// TestReportPruned checks that the executions dynamic reduction pruned are listed.
func TestReportPruned(t *testing.T) {
	// b answers 503 by itself: injecting 503 on it is pruned.
	app := &reporting{calls: func(int) []siteCall {
		return []siteCall{{"k1", "b", "a/main.go:10", "503"}, {"k2", "c", "a/main.go:20", ""}}
	}}
	s, r := exploreReport(t, app, Options{DynamicReduction: true})
	if s.Pruned == 0 {
		t.Fatal("nothing was pruned")
	}
	if r.Summary.Pruned != s.Pruned || len(r.Pruned) != s.Pruned || r.Summary.Ran != s.ExecutionsRan || r.Summary.Result != "passed" || r.Summary.NotRun != 0 {
		t.Errorf("summary %+v, %d pruned listed; want %d ran, %d pruned, passed", r.Summary, len(r.Pruned), s.ExecutionsRan, s.Pruned)
	}
	for _, p := range r.Pruned {
		if len(p.Faults) == 0 {
			t.Errorf("a pruned execution with no faults: %+v", p)
		}
	}
	if !r.Settings.DynamicReduction {
		t.Error("settings do not say dynamic reduction was on")
	}
}

// TestCommandTestOutput checks that CommandTest records the command's output for the
// report, cut after maxOutput bytes.
func TestCommandTestOutput(t *testing.T) {
	c := New(Options{})
	for _, tc := range []struct {
		cmd  string
		want string
		cut  bool
	}{
		{"echo out; echo err >&2; exit 1", "out\nerr\n", false},
		{fmt.Sprintf("head -c %d /dev/zero", 3*maxOutput), strings.Repeat("\x00", maxOutput), true},
	} {
		ex := newExecution(&plan{})
		x := c.newExecutionView(1, 0, ex)
		c.report.runs = []*ranExecution{{number: 1, ex: ex, passed: true}}
		_, err := CommandTest(tc.cmd, nil, nil)(context.WithValue(context.Background(), executionKey{}, x))
		if err != nil {
			t.Fatal(err)
		}
		got := c.Report().Executions[0]
		if got.Output != tc.want || got.OutputTruncated != tc.cut {
			t.Errorf("%s: output of %d bytes, truncated %t; want %d bytes, %t", tc.cmd, len(got.Output), got.OutputTruncated, len(tc.want), tc.cut)
		}
	}
}

// TestReportNothingObserved checks that a fault-free execution that made no call is
// not shown as passed.
func TestReportNothingObserved(t *testing.T) {
	c := New(Options{})
	c.SetFunctionalTest(func(context.Context) (bool, error) { return true, nil })
	s, err := c.Explore(context.Background())
	if !errors.Is(err, ErrNothingObserved) {
		t.Fatalf("err %v, want ErrNothingObserved", err)
	}
	r := s.Report
	if r.Summary.Result != "nothing tested" || r.Summary.Passed != 0 || r.Summary.NotTested != 1 || r.Executions[0].Result != "not tested" {
		t.Errorf("summary %+v, execution 1 %q; want nothing tested, not passed", r.Summary, r.Executions[0].Result)
	}
}

// TestOnProgress checks that OnProgress is told the counts after every execution.
func TestOnProgress(t *testing.T) {
	var seen []Progress
	app := &reporting{calls: func(int) []siteCall {
		return []siteCall{{"k1", "b", "a/main.go:10", "503"}, {"k2", "c", "a/main.go:20", ""}}
	}}
	s, _ := exploreReport(t, app, Options{DynamicReduction: true, OnProgress: func(p Progress) { seen = append(seen, p) }})
	if len(seen) != s.ExecutionsRan {
		t.Fatalf("OnProgress called %d times for %d executions", len(seen), s.ExecutionsRan)
	}
	for i, p := range seen {
		if p.Ran != i+1 || p.Failed || p.Elapsed <= 0 {
			t.Errorf("call %d: %+v", i+1, p)
		}
	}
	if last := seen[len(seen)-1]; last.Queued != 0 || last.Passed != s.Passed || seen[0].Queued == 0 {
		t.Errorf("first %+v, last %+v; want work queued after the first, none after the last, %d passed", seen[0], last, s.Passed)
	}
}
