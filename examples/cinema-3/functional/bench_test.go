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
// and ratio, test-package and floor one right after the other in each iteration, with
// the first's total time over the second's: the machine's pace changes from one run to
// the next (the floor by up to half here), and the ratio is what the goal is about.
//
// Run it with
//
//	go test -run '^$' -bench Execution -benchtime 3x ./examples/cinema-3/functional
func BenchmarkExecution(b *testing.B) {
	ctx := context.Background()
	b.Run("test-package", func(b *testing.B) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			total += testPackageExecution(b)
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
		base, stop := startFloor(b)
		defer stop()
		b.ResetTimer()
		var total time.Duration
		for i := 0; i < b.N; i++ {
			total += floorExecution(b, base)
		}
		b.StopTimer()
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/execution")
	})
	b.Run("ratio", func(b *testing.B) {
		base, stop := startFloor(b)
		defer stop()
		var tp, fl time.Duration
		for i := 0; i < b.N; i++ {
			tp += testPackageExecution(b)
			fl += floorExecution(b, base)
		}
		b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N), "test-package-ns/execution")
		b.ReportMetric(float64(fl.Nanoseconds())/float64(b.N), "floor-ns/execution")
		b.ReportMetric(float64(tp)/float64(fl), "ratio")
	})
}

// testPackageExecution runs TestUserBookings/no-reduction in a process of its own and
// returns the time per execution its log line gives.
func testPackageExecution(b *testing.B) time.Duration {
	b.Helper()
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
	return d
}

var perExecution = regexp.MustCompile(`91 executions ran, 0 pruned, in \S+ \((\S+) per execution\)`)

// startFloor starts cinema-3 built uninstrumented and returns the users service's URL.
func startFloor(b *testing.B) (base string, stop func()) {
	b.Helper()
	ctx := context.Background()
	app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: "..", Uninstrumented: true})
	if err != nil {
		b.Fatal(err)
	}
	dep, err := app.Start(ctx, deploy.StartOptions{})
	if err != nil {
		app.Close()
		b.Fatal(err)
	}
	return dep.URLs["users"], func() { dep.Stop(); app.Close() }
}

// floorExecution runs the functional test's body 91 times against base and returns
// the time per run.
func floorExecution(b *testing.B, base string) time.Duration {
	b.Helper()
	const executions = 91
	start := time.Now()
	for range executions {
		status, body, err := userBookings(base)
		if err != nil {
			b.Fatal(err)
		}
		if err := check(false, status, body); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / executions
}
