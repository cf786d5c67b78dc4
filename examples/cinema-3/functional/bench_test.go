package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/e2e"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// BenchmarkExecution measures what one execution of cinema-3's exploration without
// reduction (91 executions) costs, three ways, each reported as ns/execution:
//
//   - test-package: the exploration as TestUserBookings runs it, the body in the test's
//     process (the figure its own log line gives);
//   - command: the exploration with the functional test as a command, one process per
//     execution (filibuster-gen run, explore);
//   - floor: the same body against the services built uninstrumented, with no
//     coordinator, 91 times per iteration as the exploration runs it: what an
//     execution cannot cost less than (its connections warm, as the exploration's).
//
// Run it with
//
//	go test -run '^$' -bench Execution -benchtime 3x ./examples/cinema-3/functional
func BenchmarkExecution(b *testing.B) {
	ctx := context.Background()
	b.Run("test-package", func(b *testing.B) {
		perExecution := regexp.MustCompile(`91 executions ran, 0 pruned, in \S+ \((\S+) per execution\)`)
		var total time.Duration
		for i := 0; i < b.N; i++ {
			out, err := exec.Command(os.Args[0], "-test.run", "^TestUserBookings$/^no-reduction$", "-test.v", "-test.count=1").CombinedOutput()
			if err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			m := perExecution.FindSubmatch(out)
			if m == nil {
				b.Fatalf("no timing in the test's output:\n%s", out)
			}
			d, err := time.ParseDuration(string(m[1]))
			if err != nil {
				b.Fatal(err)
			}
			total += d
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/execution")
	})
	b.Run("command", func(b *testing.B) {
		app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: ".."})
		if err != nil {
			b.Fatal(err)
		}
		defer app.Close()
		var total time.Duration
		runs := 0
		for i := 0; i < b.N; i++ {
			s, err := app.Explore(ctx, e2e.ExploreOptions{})
			if err != nil || s.Failed || s.ExecutionsRan != 91 {
				b.Fatalf("exploration: %v, %+v", err, s)
			}
			total += s.Elapsed
			runs += s.ExecutionsRan
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(runs), "ns/execution")
	})
	b.Run("floor", func(b *testing.B) {
		app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: "..", Uninstrumented: true})
		if err != nil {
			b.Fatal(err)
		}
		defer app.Close()
		dep, err := app.Start(ctx, deploy.StartOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer dep.Stop()
		base := dep.URLs["users"]
		const executions = 91
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for range executions {
				status, body, err := userBookings(base)
				if err != nil {
					b.Fatal(err)
				}
				if err := check(false, status, body); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*executions), "ns/execution")
	})
}
