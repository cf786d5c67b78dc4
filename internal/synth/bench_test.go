package synth

import (
	"context"
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

// BenchmarkSynthetic explores big without and with dynamic reduction and reports, per
// exploration: the executions run, the executions pruned, the total time, the time
// reduction took (Summary.ReductionTime) and the time per execution. Run it with
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

	for _, c := range []struct {
		name      string
		reduction bool
	}{
		{"no-reduction", false},
		{"reduction", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ran, pruned int
			var total, reduction time.Duration
			for i := 0; i < b.N; i++ {
				s, err := app.Explore(ctx, e2e.ExploreOptions{DynamicReduction: c.reduction})
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
				ran += s.ExecutionsRan
				pruned += s.Pruned
				total += s.Elapsed
				reduction += s.ReductionTime
			}
			n := float64(b.N)
			b.ReportMetric(float64(ran)/n, "executions")
			b.ReportMetric(float64(pruned)/n, "pruned")
			b.ReportMetric(total.Seconds()/n, "s/exploration")
			b.ReportMetric(reduction.Seconds()/n, "reduction-s/exploration")
			b.ReportMetric(float64(total.Nanoseconds())/float64(ran), "ns/execution")
		})
	}
}
