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

	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// transcript is a recording of the reference server exploring one application
// (testdata/conformance/INDEX.md).
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

// conformanceDir holds the repository's copy of the reference server's recordings.
const conformanceDir = "../../testdata/conformance"

// indexRow is one row of the table in INDEX.md: a transcript and what it records.
type indexRow struct {
	file, reduction, analysis, executions, pruned, exit string
}

// readIndex returns the rows of INDEX.md's table, in order.
func readIndex(t *testing.T) []indexRow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, "INDEX.md"))
	if err != nil {
		t.Fatalf("the conformance transcripts are part of the repository: %v", err)
	}
	var rows []indexRow
	var cols map[string]int
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cols == nil {
			cols = make(map[string]int)
			for i, c := range cells {
				cols[c] = i
			}
			for _, c := range []string{"file", "reduction", "analysis", "executions", "pruned", "exit"} {
				if _, ok := cols[c]; !ok {
					t.Fatalf("INDEX.md: the table has no %q column: %s", c, line)
				}
			}
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		if len(cells) < len(cols) {
			t.Fatalf("INDEX.md: short table row: %s", line)
		}
		rows = append(rows, indexRow{
			file: cells[cols["file"]], reduction: cells[cols["reduction"]], analysis: cells[cols["analysis"]],
			executions: cells[cols["executions"]], pruned: cells[cols["pruned"]], exit: cells[cols["exit"]],
		})
	}
	if len(rows) == 0 {
		t.Fatal("INDEX.md lists no transcripts")
	}
	return rows
}

// TestConformance replays every transcript of the reference server listed in INDEX.md:
// our coordinator, with the same analysis file and reduction setting, is driven by a
// functional test that sends each recorded execution's requests in order; it must
// answer each as the reference did, run the same executions in the same order, and end
// with the same totals and exit status. A listed transcript that is missing, or a
// transcript that is not listed, is a failure.
func TestConformance(t *testing.T) {
	rows := readIndex(t)
	listed := make(map[string]bool)
	for _, r := range rows {
		if listed[r.file] {
			t.Errorf("INDEX.md lists %s twice", r.file)
		}
		listed[r.file] = true
	}
	files, err := filepath.Glob(filepath.Join(conformanceDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if !listed[filepath.Base(path)] {
			t.Errorf("%s is not listed in INDEX.md", path)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].file < rows[j].file })
	passed := 0
	for _, row := range rows {
		name := strings.TrimSuffix(row.file, ".json")
		ok := t.Run(name, func(t *testing.T) {
			tr := readTranscript(t, filepath.Join(conformanceDir, row.file))
			checkIndexRow(t, row, tr)
			replayTranscript(t, tr)
		})
		status := "ok"
		if !ok {
			status = "FAIL"
		} else {
			passed++
		}
		fmt.Printf("conformance %-40s %s\n", name, status)
	}
	fmt.Printf("conformance: %d/%d transcripts\n", passed, len(rows))
}

func readTranscript(t *testing.T, path string) *transcript {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("listed in INDEX.md: %v", err)
	}
	var tr transcript
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &tr
}

// checkIndexRow checks that INDEX.md describes the transcript as it is.
func checkIndexRow(t *testing.T, row indexRow, tr *transcript) {
	t.Helper()
	reduction := "off"
	if tr.DynamicReduction {
		reduction = "on"
	}
	pruned := "-"
	if tr.Summary.Pruned != nil {
		pruned = fmt.Sprint(*tr.Summary.Pruned)
	}
	got := indexRow{row.file, reduction, tr.AnalysisFile, fmt.Sprint(len(tr.Executions)), pruned, fmt.Sprint(tr.CoordinatorExitCode)}
	if got != row {
		t.Errorf("INDEX.md says %+v, the transcript %+v", row, got)
	}
}

func replayTranscript(t *testing.T, tr *transcript) {
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
