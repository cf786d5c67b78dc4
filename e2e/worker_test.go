package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// TestWorkerProcesses explores cinema-3 with two `filibuster-gen worker` processes,
// each starting its own copy of the prepared application, and requires the executions,
// their order and the counts of the exploration run here one at a time, with and
// without dynamic reduction.
func TestWorkerProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and explores cinema-3 four times; run without -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "filibuster-gen")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "../cmd/filibuster-gen").CombinedOutput(); err != nil {
		t.Fatalf("building filibuster-gen: %v\n%s", err, out)
	}
	app, err := Prepare(ctx, BuildOptions{Dir: filepath.Join("..", "examples", "cinema-3")})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := deploy.WriteBuilt(app.WorkDir, &app.Built); err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(app.WorkDir, deploy.BuiltFile)

	for _, dr := range []bool{false, true} {
		seq, err := app.Explore(ctx, ExploreOptions{DynamicReduction: dr})
		if err != nil {
			t.Fatal(err)
		}
		var procs []*exec.Cmd
		var outs []*bytes.Buffer
		s, err := app.Explore(ctx, ExploreOptions{DynamicReduction: dr, Workers: 2, OnListen: func(url string) {
			for range 2 {
				var out bytes.Buffer
				cmd := exec.CommandContext(ctx, bin, "worker", "--coordinator", url, built)
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				procs, outs = append(procs, cmd), append(outs, &out)
			}
		}})
		if err != nil {
			t.Fatalf("reduction %t, two workers: %v", dr, err)
		}
		ran := 0
		for i, cmd := range procs {
			if err := cmd.Wait(); err != nil {
				t.Errorf("worker %d: %v\n%s", i, err, outs[i])
			}
			out := outs[i].String()
			if !strings.Contains(out, "the exploration is over") {
				t.Errorf("worker %d did not end with the exploration:\n%s", i, out)
			}
			ran += strings.Count(out, "faults passed") + strings.Count(out, "faults failed")
		}
		if d := firstDifference(sequence(seq), sequence(s)); d != "" {
			t.Errorf("reduction %t: two workers differ from one lane: %s", dr, d)
		}
		if s.Lanes != 2 || ran != s.ExecutionsRan+s.Discarded {
			t.Errorf("reduction %t: %d lanes, workers ran %d executions; want 2 lanes and %d (%d ran, %d discarded)",
				dr, s.Lanes, ran, s.ExecutionsRan+s.Discarded, s.ExecutionsRan, s.Discarded)
		}
	}
}
