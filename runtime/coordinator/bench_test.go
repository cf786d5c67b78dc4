package coordinator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// BenchmarkExploreCinema3 replays the largest transcript (cinema-3, with and without
// reduction) through the coordinator's handler in memory and reports the time spent
// generating new executions and in dynamic reduction, per execution:
//
//	go test -run '^$' -bench ExploreCinema3 ./coordinator
func BenchmarkExploreCinema3(b *testing.B) {
	for _, name := range []string{"cinema-3-nodr", "cinema-3-dr"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join(conformanceDir, name+".json"))
			if err != nil {
				b.Fatalf("the transcripts are part of the repository: %v", err)
			}
			var tr transcript
			json.Unmarshal(data, &tr)
			analysis, err := faultmodel.ReadFile(filepath.Join(conformanceDir, tr.AnalysisFile))
			if err != nil {
				b.Fatal(err)
			}
			var gen, red, execs float64
			for i := 0; i < b.N; i++ {
				var c *Coordinator
				run := 0
				test := func(ctx context.Context) (bool, error) {
					for _, x := range tr.Executions[run].Exchanges {
						var body *strings.Reader
						if len(x.Request) > 0 {
							body = strings.NewReader(string(x.Request))
						} else {
							body = strings.NewReader("")
						}
						req := httptest.NewRequest(x.Method, x.Path, body)
						c.ServeHTTP(httptest.NewRecorder(), req)
					}
					run++
					return true, nil
				}
				c = New(Options{Analysis: analysis, DynamicReduction: tr.DynamicReduction, FunctionalTest: test})
				s, err := c.Explore(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				gen += float64(s.GenerationTime.Nanoseconds())
				red += float64(s.ReductionTime.Nanoseconds())
				execs += float64(s.ExecutionsRan)
			}
			b.ReportMetric(gen/execs, "gen-ns/execution")
			b.ReportMetric(red/execs, "reduction-ns/execution")
		})
	}
}

var _ http.Handler = (*Coordinator)(nil)
