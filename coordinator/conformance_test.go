package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/faultmodel"
)

// transcript is a recording of the reference server exploring one application
// (../shared/conformance/INDEX.md).
type transcript struct {
	App                 string `json:"app"`
	DynamicReduction    bool   `json:"dynamic_reduction"`
	AnalysisFile        string `json:"analysis_file"`
	CoordinatorExitCode int    `json:"coordinator_exit_code"`
	Summary             struct {
		ExecutionsRan *int `json:"executions_ran"`
		Pruned        *int `json:"pruned"`
	} `json:"summary"`
	Executions []struct {
		Exchanges []struct {
			Method   string          `json:"method"`
			Path     string          `json:"path"`
			Request  json.RawMessage `json:"request"`
			Response json.RawMessage `json:"response"`
		} `json:"exchanges"`
		ExitCode int `json:"exit_code"`
	} `json:"executions"`
	Counterexample *counterexampleFile `json:"counterexample"`
}

const conformanceDir = "../../shared/conformance"

// TestConformance replays every transcript of the reference server: our coordinator,
// with the same analysis file and reduction setting, is driven by a functional test
// that sends each recorded execution's requests in order; it must answer each as the
// reference did, run the same executions in the same order, and end with the same
// totals and exit status.
func TestConformance(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no transcripts in %s", conformanceDir)
	}
	sort.Strings(files)
	passed := 0
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		ok := t.Run(name, func(t *testing.T) { replayTranscript(t, path) })
		status := "ok"
		if !ok {
			status = "FAIL"
		} else {
			passed++
		}
		fmt.Printf("conformance %-40s %s\n", name, status)
	}
	fmt.Printf("conformance: %d/%d transcripts\n", passed, len(files))
}

func replayTranscript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tr transcript
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	analysis, err := faultmodel.ReadFile(filepath.Join(conformanceDir, tr.AnalysisFile))
	if err != nil {
		t.Fatal(err)
	}
	cePath := filepath.Join(t.TempDir(), "counterexample.json")
	var srvURL string
	run := 0
	test := func(ctx context.Context) (bool, error) {
		if run >= len(tr.Executions) {
			t.Errorf("execution %d: the reference ran only %d", run+1, len(tr.Executions))
			run++
			return true, nil
		}
		ex := tr.Executions[run]
		for i, x := range ex.Exchanges {
			var body io.Reader
			if len(x.Request) > 0 && string(x.Request) != "null" {
				body = bytes.NewReader(x.Request)
			}
			req, _ := http.NewRequest(x.Method, srvURL+x.Path, body)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return false, err
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var g, w any
			json.Unmarshal(got, &g)
			json.Unmarshal(x.Response, &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("execution %d, exchange %d (%s %s): answered %s, the reference %s", run+1, i, x.Method, x.Path, bytes.TrimSpace(got), x.Response)
			}
		}
		run++
		return ex.ExitCode == 0, nil
	}
	c := New(Options{
		Analysis:           analysis,
		DynamicReduction:   tr.DynamicReduction,
		FunctionalTest:     test,
		FunctionalTestName: "functional-test",
		CounterexampleFile: cePath,
	})
	srv := httptest.NewServer(c)
	defer srv.Close()
	srvURL = srv.URL
	s, err := c.Explore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.ExecutionsRan != len(tr.Executions) {
		t.Errorf("ran %d executions, the reference %d", s.ExecutionsRan, len(tr.Executions))
	}
	if tr.Summary.ExecutionsRan != nil && (s.ExecutionsRan != *tr.Summary.ExecutionsRan || s.Pruned != *tr.Summary.Pruned) {
		t.Errorf("ran %d, pruned %d; the reference ran %d, pruned %d", s.ExecutionsRan, s.Pruned, *tr.Summary.ExecutionsRan, *tr.Summary.Pruned)
	}
	if s.Failed != (tr.CoordinatorExitCode != 0) {
		t.Errorf("failed = %t, the reference exited %d", s.Failed, tr.CoordinatorExitCode)
	}
	if tr.Counterexample != nil {
		data, err := os.ReadFile(cePath)
		if err != nil {
			t.Fatalf("no counterexample written: %v", err)
		}
		var got counterexampleFile
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		var g, w struct {
			Failures []map[string]any `json:"failures"`
		}
		json.Unmarshal([]byte(got.TestExecution), &g)
		json.Unmarshal([]byte(tr.Counterexample.TestExecution), &w)
		if !reflect.DeepEqual(g.Failures, w.Failures) {
			t.Errorf("counterexample failures %v, the reference %v", g.Failures, w.Failures)
		}
	}
}
