package rewrite

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// BenchmarkGenerate measures the generator on a large real module, golang.org/x/tools
// from the module cache (./go/... and ./internal/..., some hundreds of packages), and
// reports go vet's time on the same packages for comparison:
//
//	go test -run '^$' -bench Generate -benchtime 3x ./rewrite
func BenchmarkGenerate(b *testing.B) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/tools").Output()
	if err != nil {
		b.Skipf("golang.org/x/tools is not in the module cache: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	patterns := []string{"./go/...", "./internal/..."}

	vet := exec.Command("go", append([]string{"vet"}, patterns...)...)
	vet.Dir = dir
	start := time.Now()
	if out, err := vet.CombinedOutput(); err != nil {
		b.Logf("go vet reported problems (timing kept): %v\n%.2000s", err, out)
	}
	vetTime := time.Since(start)

	b.ResetTimer()
	var sites int
	for i := 0; i < b.N; i++ {
		plan, err := Build(context.Background(), Config{Dir: dir, Patterns: patterns, Out: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		sites = len(plan.Sites)
	}
	b.StopTimer()
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(sites), "sites")
	b.ReportMetric(vetTime.Seconds(), "vet-s")
	b.ReportMetric(perOp.Seconds()/vetTime.Seconds(), "gen/vet")
}
