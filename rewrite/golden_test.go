package rewrite

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from the generator's output")

// testdataDir is the module of golden cases: one directory per case.
const testdataDir = "../testdata"

// casesConfig is the generator's configuration for the golden cases, writing to out.
// The excluded case is excluded by pattern, as --exclude ./excluded/... does.
func casesConfig(out string) Config {
	// The cases show how each site is rewritten; with net/http instrumented, handlers
	// and servers are left as written (TestServerHookLeavesHandlers).
	return Config{Dir: testdataDir, Out: out, Exclude: []string{"./excluded/..."}, NoNetHTTP: true}
}

var (
	planOnce sync.Once
	plan     *Plan
	planErr  error
)

// casesPlan generates the instrumented copies of every case at once (loading net/http
// once for all of them), into a temporary output directory.
func casesPlan(t *testing.T) *Plan {
	t.Helper()
	planOnce.Do(func() {
		out, err := os.MkdirTemp("", "filibuster-golden")
		if err != nil {
			planErr = err
			return
		}
		plan, planErr = Build(context.Background(), casesConfig(out))
	})
	if planErr != nil {
		t.Fatal(planErr)
	}
	return plan
}

// normalize replaces the machine-specific absolute paths in generated output.
func normalize(b []byte, plan *Plan) []byte {
	b = bytes.ReplaceAll(b, []byte(plan.Out), []byte("$OUT"))
	return bytes.ReplaceAll(b, []byte(plan.ModuleRoot), []byte("$TESTDATA"))
}

// caseDirs lists the cases: the directories of testdata.
func caseDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		// testdata/conformance holds the reference server's transcripts, for the
		// coordinator's tests: it is no generator case.
		if e.IsDir() && e.Name() != "conformance" && !strings.HasPrefix(e.Name(), "_") {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs
}

// TestGolden compares the instrumented copy of every file of every case with
// golden/<case>/<file>.golden; a missing golden file means the file must be left
// unchanged. golden/<case>/sites.golden lists the sites found. Run with -update to
// rewrite the golden files.
func TestGolden(t *testing.T) {
	plan := casesPlan(t)
	if n := len(caseDirs(t)); n < 25 {
		t.Errorf("only %d golden cases, want at least 25", n)
	}
	for _, c := range caseDirs(t) {
		t.Run(c, func(t *testing.T) {
			// Every source file of the case, and every file the generator added to it.
			files := make(map[string]bool)
			filepath.WalkDir(filepath.Join(testdataDir, c), func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
					rel, _ := filepath.Rel(testdataDir, path)
					files[filepath.ToSlash(rel)] = true
				}
				return nil
			})
			for rel := range plan.Files {
				if strings.HasPrefix(rel, c+"/") {
					files[rel] = true
				}
			}
			for rel := range files {
				got, changed := plan.Files[rel]
				checkGolden(t, filepath.Join("..", "golden", filepath.FromSlash(rel)+".golden"), normalize(got, plan), changed)
			}
			var sites bytes.Buffer
			for _, s := range plan.Sites {
				if strings.HasPrefix(s.File, c+"/") {
					status := "instrumented"
					if !s.Instrumented {
						status = "skipped: " + s.Reason
					}
					fmt.Fprintf(&sites, "%s:%d:%d %s %s in %s: %s\n", s.File, s.Line, s.Column, s.Kind, s.Callee, s.Func, status)
				}
			}
			checkGolden(t, filepath.Join("..", "golden", c, "sites.golden"), sites.Bytes(), sites.Len() > 0)
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites it with -update.
// When present is false the golden file must not exist.
func checkGolden(t *testing.T, path string, got []byte, present bool) {
	t.Helper()
	if *update {
		if !present {
			os.Remove(path)
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err) && !present:
		return
	case os.IsNotExist(err):
		t.Errorf("%s: no golden file, but the generator changed the file:\n%s", path, got)
	case err != nil:
		t.Fatal(err)
	case !present:
		t.Errorf("%s: the generator left the file unchanged, but a golden file exists", path)
	case !bytes.Equal(got, want):
		t.Errorf("%s: output differs from the golden file (go test ./rewrite -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestIdempotent checks that generating twice gives byte-identical output.
func TestIdempotent(t *testing.T) {
	first := casesPlan(t)
	second, err := Build(context.Background(), casesConfig(first.Out))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first.Files, second.Files) {
		var diff []string
		for k, v := range first.Files {
			if !bytes.Equal(v, second.Files[k]) {
				diff = append(diff, k)
			}
		}
		sort.Strings(diff)
		t.Errorf("second generation differs in %v", diff)
	}
}

// TestBuildTags checks that -tags selects the files that are instrumented.
func TestBuildTags(t *testing.T) {
	p, err := Build(context.Background(), Config{Dir: testdataDir, Patterns: []string{"./buildtags"}, Tags: "special", Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	special, ok := p.Files["buildtags/special.go"]
	if !ok || !bytes.Contains(special, []byte("__filibuster.Head(")) {
		t.Errorf("with -tags special, buildtags/special.go was not instrumented:\n%s", special)
	}
	if _, ok := p.Files["buildtags/default.go"]; ok {
		t.Errorf("with -tags special, buildtags/default.go (excluded by its build tag) was instrumented")
	}
}

// TestGoldenCompiles vets the instrumented cases against the local runtime.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	plan := casesPlan(t)
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(plan.Out, "overlay.json")
	for _, tags := range []string{"", "special"} {
		args := []string{"vet", "-overlay", overlay}
		if tags != "" {
			args = append(args, "-tags", tags)
		}
		cmd := exec.Command("go", append(args, "./...")...)
		cmd.Dir = testdataDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
