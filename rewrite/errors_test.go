package rewrite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStale checks what --check relies on: fresh output is not stale; a changed, a
// missing or an extra file is.
func TestStale(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/stale\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nimport \"net/http\"\n\nfunc main() { http.Get(\"http://127.0.0.1:1/\") }\n")
	plan, err := Build(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if stale, _ := plan.Stale(); len(stale) == 0 {
		t.Error("output that was never written is not stale")
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	if stale, err := plan.Stale(); err != nil || len(stale) != 0 {
		t.Fatalf("fresh output is stale: %v %v", stale, err)
	}
	copyPath := filepath.Join(plan.Out, "main.go")
	os.WriteFile(copyPath, []byte("package main\n"), 0o644)
	os.WriteFile(filepath.Join(plan.Out, "extra.go"), []byte("package main\n"), 0o644)
	stale, err := plan.Stale()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(stale, " ") != "extra.go main.go" {
		t.Errorf("stale = %v, want [extra.go main.go]", stale)
	}
}

// TestTypeErrors checks that a package that does not type-check is reported with its
// file and line, and that nothing is written.
func TestTypeErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/broken\n\ngo 1.22\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.Get(undefinedURL)\n}\n")
	_, err := Generate(context.Background(), Config{Dir: dir})
	if err == nil {
		t.Fatal("no error for a package that does not type-check")
	}
	if !strings.Contains(err.Error(), "main.go:6") || !strings.Contains(err.Error(), "undefinedURL") {
		t.Errorf("error %q does not name main.go:6 and the undefined name", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".filibuster")); !os.IsNotExist(err) {
		t.Errorf("output written despite the error: %v", err)
	}
}
