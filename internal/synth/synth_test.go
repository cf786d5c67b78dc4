package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/e2e"
)

// small are the applications the end-to-end test explores: four services each
// calling up to two others, with optional calls and no retries (37 executions without
// reduction, measured), and a chain of three services whose calls are retried once
// (505, measured). Their counts are not derived independently; the test checks what
// holds whatever they are.
var small = []Params{
	{Name: "synth-fallbacks", Services: 4, FanOut: 2, Retries: 0, Optional: 0.5, Seed: 1, RuntimeDir: "../../runtime"},
	{Name: "synth-retries", Services: 3, FanOut: 1, Retries: 1, Seed: 1, RuntimeDir: "../../runtime"},
}

// TestGraph checks the shape: a DAG of forward edges, the chain i -> i+1 always
// there, each service calling min(FanOut, Services-1-i) distinct services in
// ascending order, the chain edge required, and the same graph for the same Params.
func TestGraph(t *testing.T) {
	for _, p := range []Params{
		small[0],
		small[1],
		{Services: 1, FanOut: 3, RuntimeDir: "."},
		{Services: 12, FanOut: 3, Retries: 2, Optional: 0.3, Seed: 7, RuntimeDir: "."},
		{Services: 30, FanOut: 30, Optional: 1, Seed: 9, RuntimeDir: "."},
	} {
		g, err := p.Graph()
		if err != nil {
			t.Fatal(err)
		}
		if len(g) != p.Services {
			t.Fatalf("%+v: %d services", p, len(g))
		}
		for i, calls := range g {
			if want := min(p.FanOut, p.Services-1-i); len(calls) != want {
				t.Errorf("%+v: service %d makes %d calls, want %d", p, i, len(calls), want)
			}
			for j, c := range calls {
				if c.To <= i || c.To >= p.Services {
					t.Errorf("%+v: service %d calls %d: not a forward edge", p, i, c.To)
				}
				if j > 0 && c.To <= calls[j-1].To {
					t.Errorf("%+v: service %d: calls not in ascending order: %v", p, i, calls)
				}
			}
			if len(calls) > 0 && (calls[0].To != i+1 || calls[0].Optional) {
				t.Errorf("%+v: service %d: first call %+v, want a required call to %d", p, i, calls[0], i+1)
			}
		}
		again, _ := p.Graph()
		if !reflect.DeepEqual(g, again) {
			t.Errorf("%+v: two graphs differ", p)
		}
	}

	// Optional 0 and 1 are all or nothing, beyond the chain.
	for _, opt := range []float64{0, 1} {
		p := Params{Services: 10, FanOut: 4, Optional: opt, Seed: 3, RuntimeDir: "."}
		g, _ := p.Graph()
		for i, calls := range g {
			for _, c := range calls[min(1, len(calls)):] {
				if c.Optional != (opt == 1) {
					t.Errorf("Optional %v: service %d: call %+v", opt, i, c)
				}
			}
		}
	}

	// Another seed gives another graph for a shape with room for choice.
	a, _ := Params{Services: 12, FanOut: 3, Seed: 1, RuntimeDir: "."}.Graph()
	b, _ := Params{Services: 12, FanOut: 3, Seed: 2, RuntimeDir: "."}.Graph()
	if reflect.DeepEqual(a, b) {
		t.Error("seeds 1 and 2 give the same graph of 12 services")
	}
}

// TestWriteDeterministic checks that the same Params write byte-identical files.
func TestWriteDeterministic(t *testing.T) {
	p := Params{Services: 6, FanOut: 2, Retries: 2, Optional: 0.5, Seed: 4, RuntimeDir: "../../runtime"}
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a, p); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, p); err != nil {
		t.Fatal(err)
	}
	fa, fb := readTree(t, a), readTree(t, b)
	if len(fa) != 6+3 { // six services, the functional test, filibuster.json, go.mod
		t.Errorf("%d files written, want 9", len(fa))
	}
	if !reflect.DeepEqual(fa, fb) {
		t.Error("two writes of the same Params differ")
	}
	if err := Write(a, p); err == nil {
		t.Error("writing into a non-empty directory succeeded")
	}
}

// readTree returns the files under dir by relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExplore writes the small applications, prepares them with e2e and explores
// each with and without dynamic reduction, twice each: every exploration must pass
// with every scheduled fault landing, reduction must prune and run fewer executions,
// and the two runs of each must agree on the executions and their order.
func TestExplore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	// The applications exercise what they are for: optional calls, retries.
	if g, _ := small[0].Graph(); !hasOptional(g) {
		t.Fatalf("%s has no optional call: %v", small[0].Name, g)
	}
	if small[1].Retries == 0 {
		t.Fatalf("%s has no retries", small[1].Name)
	}
	for _, p := range small {
		t.Run(p.Name, func(t *testing.T) { explore(t, p) })
	}
}

// hasOptional reports whether a graph has an optional call.
func hasOptional(graph [][]Call) bool {
	for _, calls := range graph {
		for _, c := range calls {
			if c.Optional {
				return true
			}
		}
	}
	return false
}

// explore is TestExplore for one application.
func explore(t *testing.T, p Params) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	if err := Write(dir, p); err != nil {
		t.Fatal(err)
	}
	app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	ran := make(map[bool]int)
	for _, reduction := range []bool{false, true} {
		var runs []string
		var first [2]int
		for i := range 2 {
			var progress bytes.Buffer
			s, err := app.Explore(ctx, e2e.ExploreOptions{DynamicReduction: reduction, Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			if s.Failed || s.Incomplete || len(s.Unreached) > 0 || s.Diverged > 0 || s.Passed != s.ExecutionsRan {
				t.Fatalf("reduction %t, run %d: failed %t, unreached %v, %d diverged, %d of %d passed; want every execution passing with every fault landing\n%s",
					reduction, i+1, s.Failed, s.Unreached, s.Diverged, s.Passed, s.ExecutionsRan, progress.String())
			}
			t.Logf("reduction %t, run %d: %d executions, %d pruned, in %v (reduction %v)",
				reduction, i+1, s.ExecutionsRan, s.Pruned, s.Elapsed, s.ReductionTime)
			if i == 0 {
				first = [2]int{s.ExecutionsRan, s.Pruned}
			} else if got := [2]int{s.ExecutionsRan, s.Pruned}; got != first {
				t.Errorf("reduction %t: run 2 gave %d executions and %d pruned, run 1 %d and %d", reduction, got[0], got[1], first[0], first[1])
			}
			if reduction != (s.Pruned > 0) {
				t.Errorf("reduction %t: %d pruned", reduction, s.Pruned)
			}
			ran[reduction] = s.ExecutionsRan
			runs = append(runs, executionLines(progress.String()))
			if !reduction && i == 0 {
				checkOutcomes(t, p, progress.String())
			}
		}
		if runs[0] != runs[1] {
			t.Errorf("reduction %t: the two runs explored other executions, or in another order", reduction)
		}
	}
	if ran[true] >= ran[false] {
		t.Errorf("%d executions with reduction, %d without; want fewer with", ran[true], ran[false])
	}
}

// checkOutcomes checks, from the functional test's "outcome:" lines of an exploration
// without reduction, that the application behaved as its shape says: one complete
// answer without a fault, a 503 when a required call failed, a fallback if and only if
// a call is optional, and a complete answer despite a fault if and only if calls are
// retried.
func checkOutcomes(t *testing.T, p Params, progress string) {
	t.Helper()
	seen := make(map[string]int)
	for line := range strings.Lines(progress) {
		if o, ok := strings.CutPrefix(line, "outcome: "); ok {
			seen[strings.TrimSpace(o)]++
		}
	}
	t.Logf("outcomes: %v", seen)
	g, _ := p.Graph()
	if seen["complete"] != 1 {
		t.Errorf("%d complete answers without a fault, want 1 (the fault-free execution)", seen["complete"])
	}
	if seen["503"] == 0 {
		t.Error("no execution answered 503")
	}
	if got, want := seen["fallback"] > 0, hasOptional(g); got != want {
		t.Errorf("answers with a fallback: %d; the graph has optional calls: %t", seen["fallback"], want)
	}
	if got, want := seen["complete after a fault"] > 0, p.Retries > 0; got != want {
		t.Errorf("complete answers despite a fault: %d; retries: %d", seen["complete after a fault"], p.Retries)
	}
}

// executionLines returns the progress log's execution lines without their running
// counts: what each execution injected and how it ended, in order.
func executionLines(progress string) string {
	var b strings.Builder
	for line := range strings.Lines(progress) {
		if !strings.HasPrefix(line, "execution ") {
			continue
		}
		if i := strings.LastIndex(line, " (ran "); i >= 0 {
			line = line[:i] + "\n"
		}
		b.WriteString(line)
	}
	return b.String()
}
