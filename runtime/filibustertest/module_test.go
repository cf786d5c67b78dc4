package filibustertest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRequireRuntime requires this module, as a service's tests do to use the test
// package and the runtime, in a fresh module at go 1.22 that pins an old
// golang.org/x/net, and checks that `go mod tidy` changes neither its go line nor its
// x/net and adds nothing but this module; then builds it, and so this module's
// packages, with Go 1.22 itself (a toolchain the go command fetches through the
// module proxy once).
func TestRequireRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches modules and a Go 1.22 toolchain through the module proxy")
	}
	runtimeDir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/svc\n\ngo 1.22\n\nrequire golang.org/x/net v0.20.0\n")
	write("main.go", `package main

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

func main() {
	doc, err := html.Parse(strings.NewReader("<p>hi</p>"))
	fmt.Println(doc != nil, err)
}
`)
	write("main_test.go", `package main

import (
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"github.com/filibuster-go/filibuster-gen/runtime/filibustertest"
)

func TestExplore(t *testing.T) {
	if false {
		filibustertest.Explore(t, ".", func(t *testing.T, x *filibustertest.Execution) {})
	}
	_ = runtime.WasFaultInjected
}
`)
	goCmd := func(toolchain string, args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN="+toolchain)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("local", "mod", "download", "golang.org/x/net@v0.20.0")
	goCmd("local", "mod", "edit", "-require", "github.com/filibuster-go/filibuster-gen/runtime@v0.0.0",
		"-replace", "github.com/filibuster-go/filibuster-gen/runtime="+runtimeDir)
	goCmd("local", "mod", "tidy")

	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod := string(data)
	if !regexp.MustCompile(`(?m)^go 1\.22$`).MatchString(mod) || strings.Contains(mod, "toolchain") {
		t.Errorf("go mod tidy changed the go line:\n%s", mod)
	}
	requires := regexp.MustCompile(`(?m)^\s*(?:require\s+)?([a-z0-9./-]+\.[a-z]+/[^\s]+) (v[^\s]+)`).FindAllStringSubmatch(mod, -1)
	got := make(map[string]string)
	for _, r := range requires {
		got[r[1]] = r[2]
	}
	want := map[string]string{"golang.org/x/net": "v0.20.0", "github.com/filibuster-go/filibuster-gen/runtime": "v0.0.0"}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("after go mod tidy, %s is %q, want %s:\n%s", path, got[path], v, mod)
		}
	}
	for path := range got {
		if _, ok := want[path]; !ok {
			t.Errorf("go mod tidy added %s:\n%s", path, mod)
		}
	}
	goCmd("go1.22.12", "vet", "./...")
}
