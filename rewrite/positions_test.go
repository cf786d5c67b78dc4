package rewrite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestVetPositions checks that go vet names the same file:line:col in an instrumented
// file as in the original, on a line the generator rewrote (after the rewrite) and on
// one it did not.
func TestVetPositions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/pos\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "svc", "main.go"), `package main

import (
	"fmt"
	"net/http"
)

func main() {
	resp, _ := http.Get("http://example.invalid/"); fmt.Printf("%d\n", "not a number")
	fmt.Printf("%s\n", 42)
	_ = resp
}
`)
	vet := func(overlay ...string) []string {
		args := append([]string{"vet"}, overlay...)
		cmd := exec.Command("go", append(args, "./svc")...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
		out, _ := cmd.CombinedOutput()
		return regexp.MustCompile(`main\.go:\d+:\d+`).FindAllString(string(out), -1)
	}
	want := vet()
	if len(want) != 2 {
		t.Fatalf("go vet of the original found %v, want two positions", want)
	}
	if _, err := Generate(context.Background(), Config{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	got := vet("-overlay", filepath.Join(dir, ".filibuster", "overlay.json"))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("go vet of the instrumented file names %v, the original %v", got, want)
	}
}
