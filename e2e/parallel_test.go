package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// TestParallelSameSequence explores every cinema example with and without dynamic
// reduction one execution at a time, then with 2, 3 and 4 lanes, and requires the
// same executions in the same order (their faults, results and calls), the same
// pruned executions and the same counts.
func TestParallelSameSequence(t *testing.T) {
	if testing.Short() {
		t.Skip("explores nine applications 8 times each; run without -short")
	}
	dirs, err := filepath.Glob(filepath.Join("..", "examples", "*cinema-[0-9]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 9 {
		t.Fatalf("found %d cinema examples (%v), want cinema-1..8 and the gRPC ports", len(dirs), dirs)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			app, err := Prepare(ctx, BuildOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			for _, dr := range []bool{false, true} {
				var want []string
				for k := 1; k <= 4; k++ {
					s, err := app.Explore(ctx, ExploreOptions{DynamicReduction: dr, Parallel: k})
					if err != nil {
						t.Fatalf("reduction %t, %d lanes: %v", dr, k, err)
					}
					got := sequence(s)
					if k == 1 {
						want = got
						if s.RanAhead != 0 || s.Lanes != 1 {
							t.Errorf("reduction %t, one lane: %d lanes, %d run ahead; want 1 and 0", dr, s.Lanes, s.RanAhead)
						}
						continue
					}
					if d := firstDifference(want, got); d != "" {
						t.Errorf("reduction %t, %d lanes: differs from one lane: %s", dr, k, d)
					}
					if s.Lanes != k {
						t.Errorf("reduction %t: Summary.Lanes = %d, want %d", dr, s.Lanes, k)
					}
					if !dr && s.Discarded != 0 {
						t.Errorf("without reduction, %d lanes: %d runs discarded, want none (nothing is pruned)", k, s.Discarded)
					}
				}
			}
		})
	}
}

// portPrefix is the callee's port at the start of a call's URL, which depends on the
// copy of the application that made it.
var portPrefix = regexp.MustCompile(`^[0-9]+/`)

// sequence describes an exploration for comparison: its counts, then each execution
// in order and each pruned one, without the ports.
func sequence(s *coordinator.Summary) []string {
	out := []string{fmt.Sprintf("ran %d, pruned %d, passed %d, failed %t", s.ExecutionsRan, s.Pruned, s.Passed, s.Failed)}
	faults := func(fs []coordinator.FaultReport) string {
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprintf("%s on %s %s %s (%s, reached %t)", f.Kind, f.Service, f.Method, portPrefix.ReplaceAllString(f.URL, ""), f.ExecutionIndex, f.Reached))
		}
		return strings.Join(parts, "; ")
	}
	for _, x := range s.Report.Executions {
		var calls []string
		for _, c := range x.Calls {
			calls = append(calls, fmt.Sprintf("%s->%s %s %s", c.Source, c.Target, c.Method, portPrefix.ReplaceAllString(c.URL, "")))
		}
		out = append(out, fmt.Sprintf("execution %d %s: %s; calls %s", x.Number, x.Result, faults(x.Faults), strings.Join(calls, ", ")))
	}
	for i, p := range s.Report.Pruned {
		out = append(out, fmt.Sprintf("pruned %d: %s", i+1, faults(p.Faults)))
	}
	return out
}

// firstDifference describes the first line where got differs from want, or "".
func firstDifference(want, got []string) string {
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(got):
			return fmt.Sprintf("line %d missing: %s", i+1, want[i])
		case i >= len(want):
			return fmt.Sprintf("line %d extra: %s", i+1, got[i])
		case want[i] != got[i]:
			return fmt.Sprintf("line %d:\n  got  %s\n  want %s", i+1, got[i], want[i])
		}
	}
	return ""
}
