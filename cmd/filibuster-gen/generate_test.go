package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateSummary checks the summary line: the skipped sites are counted by
// reason, and an --exclude pattern that matches nothing is warned about.
func TestGenerateSummary(t *testing.T) {
	t.Chdir(filepath.Join("..", "..", "testdata"))
	out := t.TempDir()
	var stderr bytes.Buffer
	cmd := newGenerateCmd()
	cmd.SetErr(&stderr)
	cmd.SetOut(&stderr)
	cmd.SetArgs([]string{"--exclude", "./excluded/...", "--exclude", "./nosuch", "-o", out,
		"./excluded/...", "./drivestests", "./functionaltest", "./interfacecall", "./pkgfuncs"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "filibuster-gen: warning: --exclude ./nosuch matched no packages\n" +
		"filibuster-gen: 12 sites: 4 instrumented, 8 not instrumented (4 excluded, 2 drive tests, 1 in a test file, 1 interface call); overlay: " +
		filepath.Join(out, "overlay.json") + "\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n%s\nwant\n%s", stderr.String(), want)
	}
}

// TestAnalysisDuplicateNames checks that filibuster-gen analysis writes nothing when two
// main packages have one service name.
func TestAnalysisDuplicateNames(t *testing.T) {
	dir := t.TempDir()
	const service = "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":0\", nil) }\n"
	for rel, content := range map[string]string{
		"go.mod":                 "module example.com/dup\n\ngo 1.22\n",
		"v1/api-gateway/main.go": service,
		"v2/api-gateway/main.go": service,
	} {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var stdout bytes.Buffer
	cmd := newAnalysisCmd()
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs([]string{"-o", "analysis.json", "./..."})
	err := cmd.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "./v1/api-gateway, ./v2/api-gateway") {
		t.Errorf("error %v, want one naming ./v1/api-gateway and ./v2/api-gateway", err)
	}
	if _, err := os.Stat("analysis.json"); !os.IsNotExist(err) {
		t.Errorf("analysis.json written: %v", err)
	}
}
