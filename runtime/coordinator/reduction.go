package coordinator

import "fmt"

// Dynamic reduction asks, for each node of a planned execution's call tree, whether an
// earlier execution holds the node with every planned child, each with the outcome the
// plan gives it (see prunable). Scanning every earlier execution for every node of every
// candidate costs the square of the run's length; instead, each finished execution is
// indexed once by the outcomes it holds. An outcome is a triple: the execution index of
// the parent call ("" for the root), the child call's execution index, and what
// happened to the child. Each outcome maps to the set of executions that hold it, as a
// bitset, so a node is covered when the sets of its children's planned outcomes
// intersect: a few machine words per child for a run of thousands of executions.

// reductionIndex indexes the executions of c.done by the outcomes they hold.
type reductionIndex struct {
	n    int                 // c.done[:n] are indexed
	sets map[string][]uint64 // outcome -> the executions (by position in c.done) that hold it
}

// update indexes the executions of done not indexed yet.
func (x *reductionIndex) update(done []*execution) {
	if x.sets == nil {
		x.sets = make(map[string][]uint64)
	}
	for ; x.n < len(done); x.n++ {
		x.add(x.n, done[x.n])
	}
}

// add indexes ex, the i-th execution: every call of its log under its parent, which is
// the call whose vclock is the child's origin (the first such call by execution index).
func (x *reductionIndex) add(i int, ex *execution) {
	byOrigin := make(map[string][]*entry)
	for _, e := range ex.log {
		byOrigin[e.origin] = append(byOrigin[e.origin], e)
	}
	mark := func(parent string, children []*entry) {
		for _, e := range children {
			for _, o := range recordedOutcomes(e) {
				x.set(outcomeKey(parent, e.ei, o), i)
			}
		}
	}
	mark("", byOrigin["{}"])
	seen := make(map[string]bool)
	for _, p := range ex.log {
		if !seen[p.ei] {
			seen[p.ei] = true
			mark(p.ei, byOrigin[p.vclock])
		}
	}
}

// set adds execution i to the set of key.
func (x *reductionIndex) set(key string, i int) {
	s := x.sets[key]
	for len(s) <= i/64 {
		s = append(s, 0)
	}
	s[i/64] |= 1 << (i % 64)
	x.sets[key] = s
}

// covered reports whether one indexed execution holds every child of the node parent
// ("" for the root) with the outcome p plans for it.
func (x *reductionIndex) covered(parent string, children []*entry, p *plan) bool {
	var common []uint64
	for i, child := range children {
		s, ok := x.sets[outcomeKey(parent, child.ei, plannedOutcome(p.failureFor(child.ei)))]
		if !ok {
			return false
		}
		if i == 0 {
			common = append([]uint64(nil), s...)
			continue
		}
		if len(s) < len(common) {
			common = common[:len(s)]
		}
		for w := range common {
			common[w] &= s[w]
		}
	}
	for _, w := range common {
		if w != 0 {
			return true
		}
	}
	return false
}

// outcomeKey is the index key of child ei under parent with outcome o.
func outcomeKey(parent, ei, o string) string {
	return parent + "\x00" + ei + "\x00" + o
}

// recordedOutcomes are the outcomes recorded call e matches (protocol.md §6.4): not
// failed, failed with an injected exception, answered with a status (a real response or
// an injected one), and, for gRPC, failed with a status code (real or injected).
func recordedOutcomes(e *entry) []string {
	var out []string
	if e.failed == nil {
		out = append(out, "ok")
	} else if e.failed.ForcedException != nil {
		out = append(out, "exception "+canonical(e.failed.ForcedException))
	}
	if e.status != "" {
		out = append(out, "status "+e.status)
	}
	if e.code != "" {
		out = append(out, "code "+e.code)
	}
	return out
}

// statusCode is a gRPC status code as the outcomes compare it: Python's StatusCode
// name without its prefix ("StatusCode.NOT_FOUND" and "NOT_FOUND" give "NOT_FOUND"),
// or the code as given otherwise (a number).
func statusCode(v any) string {
	s := fmt.Sprint(v)
	if len(s) > len("StatusCode.") && s[:len("StatusCode.")] == "StatusCode." {
		s = s[len("StatusCode."):]
	}
	return s
}

// plannedOutcome is the outcome f plans for its call (nil: the call is not failed): an
// exception, a status or, for gRPC, a status code (docs/grpc.md); "" for a fault
// without either, which no call matches.
func plannedOutcome(f *failure) string {
	switch {
	case f == nil:
		return "ok"
	case f.ForcedException != nil:
		return "exception " + canonical(f.ForcedException)
	}
	if ex, ok := f.FailureMetadata["exception"].(map[string]any); ok {
		// A gRPC status fault: the call fails with the code.
		if md, ok := ex["metadata"].(map[string]any); ok && md["code"] != nil {
			return "code " + statusCode(md["code"])
		}
		return ""
	}
	rv, _ := f.FailureMetadata["return_value"].(map[string]any)
	if rv == nil {
		return ""
	}
	return "status " + fmt.Sprint(rv["status_code"])
}

// outcomeMatches reports whether recorded call e had the outcome f plans.
func outcomeMatches(e *entry, f *failure) bool {
	want := plannedOutcome(f)
	for _, o := range recordedOutcomes(e) {
		if o == want {
			return true
		}
	}
	return false
}
