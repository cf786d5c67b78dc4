package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

// TestReportCommand checks that report DIR writes index.html from report.json.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	r := &report.Report{Application: "app", Exploration: &coordinator.Report{
		Format:     coordinator.ReportFormat,
		Summary:    coordinator.ReportSummary{Result: "passed", Ran: 1, Passed: 1},
		Executions: []coordinator.ExecutionReport{{Number: 1, Result: "passed", Calls: []coordinator.CallReport{{Source: "a", Site: "a/main.go:3"}}}},
	}}
	if err := report.Write(dir, r); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, report.HTMLFile)
	if err := os.Remove(index); err != nil {
		t.Fatal(err)
	}
	cmd := newReportCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{dir})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `id="x-1"`) || out.String() != "report: "+index+"\n" {
		t.Errorf("report printed %q and wrote a page without execution 1", out.String())
	}
	cmd = newReportCmd()
	cmd.SetArgs([]string{t.TempDir()})
	if err := cmd.Execute(); exitCode(err) != 2 {
		t.Errorf("report of a folder without report.json: %v, want exit status 2", err)
	}
}

// TestStatusLine checks the terminal's status line: counts, rate, an estimate
// labelled as one, and the last counts shown at the end.
func TestStatusLine(t *testing.T) {
	p := coordinator.Progress{Ran: 10, Pruned: 4, Queued: 20, NotTested: 1, Elapsed: 5 * time.Second}
	want := "app: 10 done, 4 pruned, 20 queued, 0 failed, 1 NOT TESTED, 2.0/s, estimate: 10s more for the queued (more may be scheduled)"
	if got := statusText("app", p); got != want {
		t.Errorf("statusText = %q, want %q", got, want)
	}
	var b bytes.Buffer
	l := &statusLine{w: &b, name: "app"}
	l.update(coordinator.Progress{Ran: 1, Queued: 2, Elapsed: time.Second})
	l.update(coordinator.Progress{Ran: 2, Queued: 1, Elapsed: time.Second}) // within 100ms: not shown yet
	if strings.Contains(b.String(), "2 done") {
		t.Errorf("a second update within 100ms was shown: %q", b.String())
	}
	l.end()
	if got := b.String(); !strings.HasSuffix(got, "\r\033[Kapp: 2 done, 0 pruned, 1 queued, 0 failed, 2.0/s, estimate: 500ms more for the queued (more may be scheduled)\n") {
		t.Errorf("the line does not end with the last counts: %q", got)
	}
}
