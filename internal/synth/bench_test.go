package synth

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/e2e"
)

// big is the benchmark's application: three services, svc00 calling svc01 and,
// optionally, svc02, svc01 calling svc02, every call retried once. Without reduction
// it explores 2,605 executions (measured, not derived); the benchmark fails below
// minExecutions.
var big = Params{Name: "synth-big", Services: 3, FanOut: 2, Retries: 1, Optional: 1, Seed: 1, RuntimeDir: "../../runtime"}

// minExecutions is the size the benchmark's application must have without reduction.
const minExecutions = 2000

// BenchmarkSynthetic explores big without and with dynamic reduction, one execution
// at a time and with 2 and 4 lanes (ExploreOptions.Parallel), and reports, per
// exploration: the executions run, the executions pruned, the total time, the time
// reduction took (Summary.ReductionTime), the time per execution, and the runs made
// ahead of their turn and discarded (the speculative work wasted). A parallel
// exploration must give the sequential one's counts. Run it with
//
//	go test -run '^$' -bench Synthetic -benchtime 1x ./internal/synth
func BenchmarkSynthetic(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if err := Write(dir, big); err != nil {
		b.Fatal(err)
	}
	app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()

	sequential := make(map[bool][2]int) // reduction -> executions ran and pruned with one lane
	for _, c := range []struct {
		name      string
		reduction bool
		lanes     int
	}{
		{"no-reduction/lanes-1", false, 1},
		{"no-reduction/lanes-2", false, 2},
		{"no-reduction/lanes-4", false, 4},
		{"reduction/lanes-1", true, 1},
		{"reduction/lanes-2", true, 2},
		{"reduction/lanes-4", true, 4},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ran, pruned, ahead, discarded int
			var total, reduction time.Duration
			for i := 0; i < b.N; i++ {
				s, err := app.Explore(ctx, e2e.ExploreOptions{DynamicReduction: c.reduction, Parallel: c.lanes})
				if err != nil {
					b.Fatal(err)
				}
				if s.Failed || s.Incomplete || s.Diverged > 0 || s.Passed != s.ExecutionsRan {
					b.Fatalf("failed %t, incomplete %t, %d diverged, %d of %d passed; want every execution passing",
						s.Failed, s.Incomplete, s.Diverged, s.Passed, s.ExecutionsRan)
				}
				if !c.reduction && s.ExecutionsRan < minExecutions {
					b.Fatalf("%d executions without reduction, want at least %d", s.ExecutionsRan, minExecutions)
				}
				if c.lanes == 1 {
					sequential[c.reduction] = [2]int{s.ExecutionsRan, s.Pruned}
				} else if want, ok := sequential[c.reduction]; ok && want != [2]int{s.ExecutionsRan, s.Pruned} {
					b.Fatalf("%d lanes: %d ran, %d pruned; one lane: %d, %d", c.lanes, s.ExecutionsRan, s.Pruned, want[0], want[1])
				}
				ran += s.ExecutionsRan
				pruned += s.Pruned
				ahead += s.RanAhead
				discarded += s.Discarded
				total += s.Elapsed
				reduction += s.ReductionTime
			}
			n := float64(b.N)
			b.ReportMetric(float64(ran)/n, "executions")
			b.ReportMetric(float64(pruned)/n, "pruned")
			b.ReportMetric(total.Seconds()/n, "s/exploration")
			b.ReportMetric(reduction.Seconds()/n, "reduction-s/exploration")
			b.ReportMetric(float64(total.Nanoseconds())/float64(ran), "ns/execution")
			b.ReportMetric(float64(ahead)/n, "ran-ahead")
			b.ReportMetric(float64(discarded)/n, "discarded")
		})
	}
}

// waiting is the application of BenchmarkSyntheticLatency: five services, fan-out 2,
// no retries (421 executions without reduction, measured), each waiting 5 ms before
// it answers, as services waiting on a database do.
var waiting = Params{Name: "synth-wait", Services: 5, FanOut: 2, Optional: 1, Seed: 1, Latency: 5 * time.Millisecond, RuntimeDir: "../../runtime"}

// BenchmarkSyntheticLatency explores waiting without reduction with 1, 2 and 4 lanes:
// where parallel lanes pay even on two cores, because executions wait instead of
// computing. Run it with
//
//	go test -run '^$' -bench SyntheticLatency -benchtime 1x ./internal/synth
func BenchmarkSyntheticLatency(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if err := Write(dir, waiting); err != nil {
		b.Fatal(err)
	}
	app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	ran := 0
	for _, lanes := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("lanes-%d", lanes), func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				s, err := app.Explore(ctx, e2e.ExploreOptions{Parallel: lanes})
				if err != nil {
					b.Fatal(err)
				}
				if s.Failed || s.Incomplete || s.Passed != s.ExecutionsRan {
					b.Fatalf("failed %t, incomplete %t, %d of %d passed", s.Failed, s.Incomplete, s.Passed, s.ExecutionsRan)
				}
				if ran == 0 {
					ran = s.ExecutionsRan
				} else if s.ExecutionsRan != ran {
					b.Fatalf("%d lanes ran %d executions, one lane %d", lanes, s.ExecutionsRan, ran)
				}
				total += s.Elapsed
			}
			b.ReportMetric(float64(ran), "executions")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/exploration")
		})
	}
}
