package rewrite

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The generator benchmarks run on a large real module, golang.org/x/tools from the
// module cache (./go/... and ./internal/..., some hundreds of packages), and report go
// vet's time on the same packages for comparison:
//
//	go test -run '^$' -bench Generate -benchtime 1x ./rewrite
//
// BenchmarkGenerate is "everything changed": a run with nothing to reuse and an empty
// build cache (so the dependencies' export data is compiled anew), against go vet with
// an empty build cache too; BenchmarkGenerateUnchanged is a run into the output of an
// earlier one with nothing changed, against a cached go vet.
func BenchmarkGenerate(b *testing.B) {
	dir, patterns := xtools(b)
	b.Setenv("GOCACHE", b.TempDir())
	vetTime := vet(b, dir, patterns)
	b.ResetTimer()
	var sites int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		b.Setenv("GOCACHE", b.TempDir())
		b.StartTimer()
		plan, err := Build(context.Background(), Config{Dir: dir, Patterns: patterns, Out: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		sites = len(plan.Sites)
	}
	report(b, sites, vetTime)
}

func BenchmarkGenerateUnchanged(b *testing.B) {
	dir, patterns := xtools(b)
	vet(b, dir, patterns)
	vetTime := vet(b, dir, patterns) // cached now
	cfg := Config{Dir: dir, Patterns: patterns, Out: b.TempDir()}
	if _, err := Generate(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var sites int
	for i := 0; i < b.N; i++ {
		plan, err := Build(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		if plan.Analyzed != 0 {
			b.Fatalf("%d package directories analyzed again with nothing changed", plan.Analyzed)
		}
		sites = len(plan.Sites)
	}
	report(b, sites, vetTime)
}

// xtools returns the directory of golang.org/x/tools in the module cache and the
// patterns of the packages measured.
func xtools(b *testing.B) (string, []string) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/tools").Output()
	if err != nil {
		b.Skipf("golang.org/x/tools is not in the module cache: %v", err)
	}
	return strings.TrimSpace(string(out)), []string{"./go/...", "./internal/..."}
}

// vet times go vet of the packages.
func vet(b *testing.B, dir string, patterns []string) time.Duration {
	cmd := exec.Command("go", append([]string{"vet"}, patterns...)...)
	cmd.Dir = dir
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Logf("go vet reported problems (timing kept): %v\n%.2000s", err, out)
	}
	return time.Since(start)
}

// report adds the sites found, vet's time and the ratio to the benchmark's result.
func report(b *testing.B, sites int, vetTime time.Duration) {
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(sites), "sites")
	b.ReportMetric(vetTime.Seconds(), "vet-s")
	b.ReportMetric(perOp.Seconds()/vetTime.Seconds(), "gen/vet")
}
