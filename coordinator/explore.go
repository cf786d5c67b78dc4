package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/internal/fsutil"
)

// Explore runs the functional test with no faults, then once per scheduled execution,
// until none is left, a bound is reached, or an execution fails (then the
// counterexample is written and Summary.Failed is set). The coordinator must be served
// where the services and the functional test reach it while Explore runs.
func (c *Coordinator) Explore(ctx context.Context) (*Summary, error) {
	if c.opts.FunctionalTest == nil {
		return nil, errors.New("coordinator: no functional test")
	}
	start := time.Now()
	s := &Summary{}
	defer func() {
		s.TestsAttempted = s.ExecutionsRan
		s.Total = s.ExecutionsRan + s.Pruned
		s.Elapsed = time.Since(start)
		c.mu.Lock()
		s.GenerationTime = c.genTime
		c.mu.Unlock()
	}()

	first := &plan{}
	if c.opts.Replay != "" {
		p, err := readCounterexample(c.opts.Replay)
		if err != nil {
			return nil, err
		}
		first = p
	}
	c.mu.Lock()
	c.seen[first.key()] = true
	c.mu.Unlock()
	next := first
	for next != nil {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		passed, err := c.run(ctx, next)
		s.ExecutionsRan++
		if err != nil {
			return s, err
		}
		c.progress(s, next, passed)
		if !passed {
			s.Failed = true
			if c.opts.CounterexampleFile != "" {
				if err := c.writeCounterexample(c.opts.CounterexampleFile); err != nil {
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
				t := time.Now()
				pruned := c.prunable(p)
				s.ReductionTime += time.Since(t)
				if pruned {
					s.Pruned++
					continue
				}
			}
			next = p
		}
	}
	return s, nil
}

// run runs the functional test once with p's faults and records the execution.
func (c *Coordinator) run(ctx context.Context, p *plan) (bool, error) {
	c.mu.Lock()
	c.cur = &execution{plan: p, services: make(map[string]bool)}
	c.mu.Unlock()
	passed, err := c.opts.FunctionalTest(ctx)
	c.mu.Lock()
	c.done = append(c.done, c.cur)
	c.mu.Unlock()
	return passed, err
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

func (c *Coordinator) progress(s *Summary, p *plan, passed bool) {
	if c.opts.Progress == nil {
		return
	}
	c.mu.Lock()
	queued := len(c.scheduled)
	c.mu.Unlock()
	var faults []string
	for _, f := range p.failures {
		faults = append(faults, f.describe(c.targets))
	}
	if len(faults) == 0 {
		faults = []string{"no faults"}
	}
	verdict := "passed"
	if !passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(c.opts.Progress, "execution %d %s: %s (ran %d, pruned %d, queued %d)\n",
		s.ExecutionsRan, verdict, strings.Join(faults, "; "), s.ExecutionsRan, s.Pruned, queued)
}

// describe names a fault for people: what, on which call.
func (f *failure) describe(targets map[string]string) string {
	what := ""
	if f.ForcedException != nil {
		what = fmt.Sprint(f.ForcedException["name"])
	} else if rv, ok := f.FailureMetadata["return_value"].(map[string]any); ok {
		what = fmt.Sprintf("status %v", rv["status_code"])
	}
	var args []string
	json.Unmarshal(f.Args, &args)
	call := strings.Join(args, ",")
	if t := targets[f.ExecutionIndex]; t != "" {
		call = t + " " + call
	}
	return what + " on " + call
}

// prunable reports whether dynamic reduction prunes p: for every node of its planned
// call tree, an earlier execution already holds the node's children with matching
// outcomes.
func (c *Coordinator) prunable(p *plan) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	nodes := append([]*entry{nil}, p.prefix...) // nil is the root
	for _, n := range nodes {
		vclock := "{}"
		if n != nil {
			vclock = n.vclock
		}
		var children []*entry
		for _, e := range p.prefix {
			if e.origin == vclock {
				children = append(children, e)
			}
		}
		if len(children) == 0 {
			continue
		}
		covered := false
		for _, done := range c.done {
			if holds(done, n, children, p) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// holds reports whether execution ex has node n (nil: the root) with every planned
// child, each with the outcome p plans for it.
func holds(ex *execution, n *entry, children []*entry, p *plan) bool {
	vclock := "{}"
	if n != nil {
		found := false
		for _, e := range ex.log {
			if e.ei == n.ei {
				vclock, found = e.vclock, true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, child := range children {
		planned := p.failureFor(child.ei)
		matched := false
		for _, e := range ex.log {
			if e.origin != vclock || e.ei != child.ei {
				continue
			}
			if outcomeMatches(e, planned) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// outcomeMatches reports whether recorded call e had the outcome f plans (nil: the
// call is not failed).
func outcomeMatches(e *entry, f *failure) bool {
	switch {
	case f == nil:
		return e.failed == nil
	case f.ForcedException != nil:
		return e.failed != nil && e.failed.ForcedException != nil && canonical(e.failed.ForcedException) == canonical(f.ForcedException)
	default:
		rv, _ := f.FailureMetadata["return_value"].(map[string]any)
		return rv != nil && e.status != "" && e.status == fmt.Sprint(rv["status_code"])
	}
}

// counterexample is the reference server's counterexample file.
type counterexampleFile struct {
	FunctionalTest string `json:"functional_test"`
	TestExecution  string `json:"TestExecution"`
}

// writeCounterexample writes the current execution, atomically.
func (c *Coordinator) writeCounterexample(path string) error {
	c.mu.Lock()
	cur := c.cur
	var log, merged []map[string]any
	for _, e := range cur.log {
		entry := make(map[string]any)
		for k, v := range e.fields {
			entry[k] = v
		}
		merged = append(merged, entry)
		created := make(map[string]any)
		for k, v := range e.fields {
			switch k {
			case "instrumentation_type", "return_value", "exception", "target_service_name":
			default:
				created[k] = v
			}
		}
		log = append(log, created)
	}
	failures := cur.plan.failures
	if failures == nil {
		failures = []*failure{}
	}
	c.mu.Unlock()
	te, err := json.MarshalIndent(map[string]any{
		"failures": failures, "_failures": failures, "log": log, "_log": merged, "response_log": merged,
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

// readCounterexample reads a counterexample file as the plan that replays it.
func readCounterexample(path string) (*plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("counterexample: %w", err)
	}
	var f counterexampleFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("counterexample %s: %w", path, err)
	}
	var te struct {
		Failures []*failure `json:"failures"`
	}
	if err := json.Unmarshal([]byte(f.TestExecution), &te); err != nil {
		return nil, fmt.Errorf("counterexample %s: TestExecution: %w", path, err)
	}
	for i, fl := range te.Failures {
		if fl == nil || fl.ExecutionIndex == "" || fl.ForcedException == nil && fl.FailureMetadata == nil {
			return nil, fmt.Errorf("counterexample %s: failures[%d]: needs execution_index and a fault", path, i)
		}
	}
	return &plan{failures: te.Failures}, nil
}

// SetFunctionalTest replaces the functional test, for callers that can build it only
// once the coordinator is listening.
func (c *Coordinator) SetFunctionalTest(test func(context.Context) (bool, error)) {
	c.opts.FunctionalTest = test
}
