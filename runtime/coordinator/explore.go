package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/internal/fsutil"
)

// ErrNothingObserved is returned by Explore when the fault-free execution reported no
// instrumented call at all: nothing can be tested, and passing would be a lie.
var ErrNothingObserved = errors.New("the fault-free execution reported no instrumented call: nothing was tested " +
	"(are the services built with the generator's overlay, started with FILIBUSTER_URL pointing at the " +
	"coordinator, and called by the functional test?)")

// ErrFaultFreeFailed is returned by Explore when the functional test failed with no
// fault injected: it does not build, it is broken, or the services are not up. That is
// no counterexample, and exploring from it would test nothing.
var ErrFaultFreeFailed = errors.New("the functional test failed with no fault injected " +
	"(does it build, and pass against the services without a coordinator?): nothing to explore from")

// Explore runs the functional test with no faults, then once per scheduled execution,
// until none is left, a bound is reached, or an execution fails (then the
// counterexample is written and Summary.Failed is set). The coordinator must be served
// where the services and the functional test reach it while Explore runs.
//
// After each execution the coordinator compares what it planned with what it saw: a
// planned fault whose call never happened is reported on the execution's progress
// line and in Summary.Unreached, and the execution is not counted as passed; an
// execution whose calls differ from the prefix it was scheduled from is reported as
// nondeterministic, naming the first planned call that did not happen.
func (c *Coordinator) Explore(ctx context.Context) (*Summary, error) {
	if c.opts.FunctionalTest == nil && !c.opts.Workers {
		return nil, errors.New("coordinator: no functional test")
	}
	if c.workers != nil {
		defer close(c.workers.over)
	}
	start := time.Now()
	s := &Summary{}
	defer func() {
		s.TestsAttempted = s.ExecutionsRan
		s.Total = s.ExecutionsRan + s.Pruned
		s.Elapsed = time.Since(start)
		s.Incomplete = len(s.Unreached) > 0 && !c.opts.AllowUnreached
		c.mu.Lock()
		s.GenerationTime = c.genTime
		s.CallSites = make(map[string]int, len(c.sites))
		for k, n := range c.sites {
			s.CallSites[k] = n
		}
		c.mu.Unlock()
		c.endReport(s)
	}()

	first := &plan{}
	if c.opts.Replay != "" {
		p, err := c.readCounterexample(c.opts.Replay)
		if err != nil {
			return nil, err
		}
		first = p
	}
	c.mu.Lock()
	c.seen[first.key()] = true
	c.mu.Unlock()
	r := c.newRunner(ctx)
	defer func() {
		r.stop()
		s.Lanes, s.RanAhead, s.Discarded = len(c.lanes), r.ahead, r.discarded
		s.ReductionTime += r.reductionTime
	}()
	next := first
	for next != nil {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		if err := r.start(next, s.ExecutionsRan+1); err != nil {
			return s, err
		}
		r.speculate()
		j := r.result(next)
		s.ExecutionsRan++
		if j.err != nil {
			return s, j.err
		}
		c.mu.Lock()
		t := time.Now()
		c.finish(j.ex)
		c.genTime += time.Since(t)
		c.done = append(c.done, j.ex)
		c.mu.Unlock()
		passed, check := j.passed, c.check(j.ex)
		c.record(s.ExecutionsRan, j.ex, passed, check, j.took)
		if s.ExecutionsRan == 1 && c.opts.Replay == "" {
			switch {
			case !passed:
				return s, ErrFaultFreeFailed
			case check.nothing:
				return s, ErrNothingObserved
			}
		}
		if len(check.unreached) > 0 {
			s.Unreached = append(s.Unreached, Unreached{Execution: s.ExecutionsRan, Faults: check.unreached})
		}
		if check.diverged != "" {
			s.Diverged++
		}
		if passed && len(check.unreached) == 0 {
			s.Passed++
		}
		c.progress(s, next, passed, check)
		c.notify(s, passed, start)
		if !passed {
			s.Failed = true
			if c.opts.CounterexampleFile != "" && c.opts.Replay == "" {
				if err := c.writeCounterexample(c.opts.CounterexampleFile, j.ex); err != nil {
					return s, err
				}
			}
			return s, nil
		}
		if c.opts.Replay != "" || c.opts.OnlyInitial || c.opts.MaxTests > 0 && s.ExecutionsRan >= c.opts.MaxTests {
			return s, nil
		}
		next = nil
		for next == nil {
			p := c.pop()
			if p == nil {
				break
			}
			if c.opts.DynamicReduction {
				if c.prunableTimed(p, &s.ReductionTime) {
					s.Pruned++
					c.recordPruned(p)
					r.discard(p)
					continue
				}
			}
			next = p
		}
	}
	return s, nil
}

// run runs the functional test once with p's faults on lane, as the number-th
// execution (0 when it runs ahead of its turn), and returns what it recorded.
func (c *Coordinator) run(ctx context.Context, p *plan, number, lane int) (ex *execution, passed bool, err error) {
	c.mu.Lock()
	c.runs++
	ex = newExecution(p)
	ex.id = c.runs
	c.lanes[lane] = ex
	x := c.newExecutionView(number, lane, ex)
	c.mu.Unlock()
	test := c.opts.FunctionalTest
	if c.workers != nil {
		test = c.remoteTest
	}
	passed, err = test(context.WithValue(ctx, executionKey{}, x))
	return ex, passed, err
}

// finish puts cur's log in canonical order, learns the services its calls went to
// and counts the calls of each call site, and schedules, for each call that is new in
// cur (its execution index is not in the planned prefix) and not itself failed, one
// execution per exception the analysis applies to it and, when its callee reported
// the request, one per error response. c.mu must be held.
//
// An execution is finished when its turn comes in the sequential order, not when it
// ran (Options.Parallel), so that what it learns reaches the executions after it only.
//
// Scheduling once the execution is over, in canonical order, makes the exploration
// independent of the order in which concurrent calls reached the coordinator. For an
// application whose calls are sequential it is the order in which they were made, so
// the scheduled executions and their order are those of the reference server, which
// schedules as the calls arrive.
func (c *Coordinator) finish(cur *execution) {
	cur.log = canonicalOrder(cur.log)
	for _, e := range cur.log {
		if e.target == "" {
			e.target = c.targets[e.ei] // learned in an earlier execution
		}
		if file, ok := e.fields["callsite_file"].(string); ok {
			c.sites[file+":"+fmt.Sprint(e.fields["callsite_line"])]++
		}
	}
	for _, e := range cur.log {
		if e.received {
			c.targets[e.ei] = e.target
		}
	}
	planned := make(map[string]bool, len(cur.plan.prefix))
	for _, e := range cur.plan.prefix {
		planned[e.ei] = true
	}
	for i, e := range cur.log {
		if planned[e.ei] || e.failed != nil {
			continue
		}
		target := ""
		if e.received {
			target = e.target
		}
		for _, f := range c.faultsFor(e, target) {
			c.schedule(cur, cur.log[:i+1], f)
		}
	}
}

// canonicalOrder returns the calls of log in an order that does not depend on how
// concurrent calls interleaved: the calls form a tree (a call's execution index
// extends its caller's), walked depth first with each call's children in the order
// they were made, except that each run of consecutive children made on goroutines
// their handler started is sorted by execution index. With no such calls this is the
// order of log.
func canonicalOrder(log []*entry) []*entry {
	children := make(map[*entry][]*entry) // nil: the root
	last := make(map[string]*entry)       // the latest call with each execution index
	for _, e := range log {
		var parent *entry
		if i := strings.LastIndex(e.ei, ", ["); i >= 0 {
			parent = last[e.ei[:i]+"]"]
		}
		children[parent] = append(children[parent], e)
		last[e.ei] = e
	}
	out := make([]*entry, 0, len(log))
	var walk func(n *entry)
	walk = func(n *entry) {
		kids := children[n]
		for i := 0; i < len(kids); {
			j := i + 1
			if kids[i].onGoroutine {
				for j < len(kids) && kids[j].onGoroutine {
					j++
				}
				sort.SliceStable(kids[i:j], func(a, b int) bool { return kids[i+a].ei < kids[i+b].ei })
			}
			i = j
		}
		for _, k := range kids {
			out = append(out, k)
			walk(k)
		}
	}
	walk(nil)
	return out
}

// checked is what the coordinator saw of an execution against its plan.
type checked struct {
	nothing   bool     // no instrumented call was reported
	unreached []string // planned faults whose call did not happen
	diverged  string   // the first planned call that did not happen, described
}

// check compares cur, an execution that ran, with its plan.
func (c *Coordinator) check(cur *execution) checked {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ch checked
	ch.nothing = len(cur.log) == 0
	for _, f := range cur.plan.failures {
		if !cur.reached[f.ExecutionIndex] {
			ch.unreached = append(ch.unreached, c.faultOf(f).String())
		}
	}
	seen := make(map[string]bool, len(cur.log))
	for _, e := range cur.log {
		seen[e.ei] = true
	}
	for i, e := range cur.plan.prefix {
		if !seen[e.ei] {
			ch.diverged = fmt.Sprintf("call %d of the %d it was scheduled from, %s, did not happen", i+1, len(cur.plan.prefix), describeCall(e))
			break
		}
	}
	return ch
}

// describeCall names a logged call for people: source, target, method and arguments.
func describeCall(e *entry) string {
	src, _ := e.fields["source_service_name"].(string)
	method, _ := e.fields["method"].(string)
	var args []string
	json.Unmarshal(argsOf(e.fields), &args)
	to := ""
	if e.target != "" {
		to = " to " + e.target
	}
	return fmt.Sprintf("%s%s %s %s", src, to, strings.ToUpper(method), strings.Join(args, ","))
}

// pop takes the next scheduled execution: the newest (depth-first), or the oldest
// with BreadthFirst.
func (c *Coordinator) pop() *plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.scheduled)
	if n == 0 {
		return nil
	}
	var p *plan
	if c.opts.BreadthFirst {
		p, c.scheduled = c.scheduled[0], c.scheduled[1:]
	} else {
		p, c.scheduled = c.scheduled[n-1], c.scheduled[:n-1]
	}
	return p
}

func (c *Coordinator) progress(s *Summary, p *plan, passed bool, ch checked) {
	if c.opts.Progress == nil {
		return
	}
	c.mu.Lock()
	queued := len(c.scheduled)
	var faults []string
	for _, f := range p.failures {
		faults = append(faults, c.faultOf(f).String())
	}
	c.mu.Unlock()
	if len(faults) == 0 {
		faults = []string{"no faults"}
	}
	verdict := "passed"
	switch {
	case !passed:
		verdict = "FAILED"
	case len(ch.unreached) > 0:
		verdict = "NOT TESTED"
	}
	fmt.Fprintf(c.opts.Progress, "execution %d %s: %s (ran %d, pruned %d, queued %d)\n",
		s.ExecutionsRan, verdict, strings.Join(faults, "; "), s.ExecutionsRan, s.Pruned, queued)
	for _, f := range ch.unreached {
		fmt.Fprintf(c.opts.Progress, "  fault never landed: %s (the call did not happen in this execution)\n", f)
	}
	if ch.diverged != "" {
		fmt.Fprintf(c.opts.Progress, "  nondeterministic: %s\n", ch.diverged)
	}
}

// prunable reports whether dynamic reduction prunes p: for every node of its planned
// call tree, an earlier execution already holds the node's children with matching
// outcomes (reduction.go).
func (c *Coordinator) prunable(p *plan) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reduction.update(c.done)
	nodes := append([]*entry{nil}, p.prefix...) // nil is the root
	for _, n := range nodes {
		vclock, parent := "{}", ""
		if n != nil {
			vclock, parent = n.vclock, n.ei
		}
		var children []*entry
		for _, e := range p.prefix {
			if e.origin == vclock {
				children = append(children, e)
			}
		}
		if len(children) > 0 && !c.reduction.covered(parent, children, p) {
			return false
		}
	}
	return true
}

// prunableTimed is prunable, adding the time it took to spent.
func (c *Coordinator) prunableTimed(p *plan, spent *time.Duration) bool {
	t := time.Now()
	defer func() { *spent += time.Since(t) }()
	return c.prunable(p)
}

// counterexample is the reference server's counterexample file.
type counterexampleFile struct {
	FunctionalTest string `json:"functional_test"`
	TestExecution  string `json:"TestExecution"`
}

// writeCounterexample writes cur, an execution that ran, atomically, in the reference
// server's format: log holds the calls as created, _log as updated, and response_log
// adds what was injected and the service each call was to (target_service_name), also
// for a call that the fault kept from reaching it, so that a replay answers
// fault-injected questions as the exploration did.
func (c *Coordinator) writeCounterexample(path string, cur *execution) error {
	c.mu.Lock()
	var log, updated, responses []map[string]any
	for _, e := range cur.log {
		created := make(map[string]any)
		all := make(map[string]any)
		for k, v := range e.fields {
			all[k] = v
			switch k {
			case "instrumentation_type", "return_value", "exception", "target_service_name":
			default:
				created[k] = v
			}
		}
		log = append(log, created)
		updated = append(updated, all)
		resp := make(map[string]any, len(all)+5)
		for k, v := range all {
			if k != "instrumentation_type" {
				resp[k] = v
			}
		}
		if _, ok := resp["exception"]; !ok {
			resp["exception"] = nil
		}
		resp["fault_injection"] = e.failed != nil
		resp["forced_exception"] = nil
		resp["failure_metadata"] = nil
		if e.failed != nil {
			if e.failed.ForcedException != nil {
				resp["forced_exception"] = e.failed.ForcedException
			} else {
				resp["failure_metadata"] = e.failed.FailureMetadata
			}
		}
		if e.target != "" {
			resp["target_service_name"] = e.target
		}
		responses = append(responses, resp)
	}
	failures := cur.plan.failures
	if failures == nil {
		failures = []*failure{}
	}
	c.mu.Unlock()
	te, err := json.MarshalIndent(map[string]any{
		"failures": failures, "_failures": failures, "log": log, "_log": updated, "response_log": responses,
	}, "", "    ")
	if err != nil {
		return fmt.Errorf("encoding counterexample: %w", err)
	}
	data, err := json.MarshalIndent(counterexampleFile{FunctionalTest: c.opts.FunctionalTestName, TestExecution: string(te)}, "", "    ")
	if err != nil {
		return fmt.Errorf("encoding counterexample: %w", err)
	}
	return fsutil.WriteFileAtomic(path, append(data, '\n'))
}

// readCounterexample reads a counterexample file as the plan that replays it, and
// learns from its response log the service each call was to.
func (c *Coordinator) readCounterexample(path string) (*plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("counterexample: %w", err)
	}
	var f counterexampleFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("counterexample %s: %w", path, err)
	}
	var te struct {
		Failures    []*failure `json:"failures"`
		ResponseLog []struct {
			ExecutionIndex string `json:"execution_index"`
			Target         string `json:"target_service_name"`
		} `json:"response_log"`
	}
	if err := json.Unmarshal([]byte(f.TestExecution), &te); err != nil {
		return nil, fmt.Errorf("counterexample %s: TestExecution: %w", path, err)
	}
	for i, fl := range te.Failures {
		if fl == nil || fl.ExecutionIndex == "" || fl.ForcedException == nil && fl.FailureMetadata == nil {
			return nil, fmt.Errorf("counterexample %s: failures[%d]: needs execution_index and a fault", path, i)
		}
	}
	c.mu.Lock()
	for _, e := range te.ResponseLog {
		if e.Target != "" {
			c.targets[e.ExecutionIndex] = e.Target
		}
	}
	c.mu.Unlock()
	return &plan{failures: te.Failures}, nil
}

// SetFunctionalTest replaces the functional test, for callers that can build it only
// once the coordinator is listening.
func (c *Coordinator) SetFunctionalTest(test func(context.Context) (bool, error)) {
	c.opts.FunctionalTest = test
}
