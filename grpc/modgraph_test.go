package filibustergrpc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// minGRPC is the grpc-go version this module requires: the oldest one a module that
// is instrumented may have and keep (docs/grpc.md, "Dependencies").
const minGRPC = "v1.81.1"

// TestRequireKeepsVersions checks that a module at grpc-go minGRPC that requires this
// module (as instrumenting it does) keeps the version of every module of its graph,
// grpc-go's included, and its go line, and builds.
func TestRequireKeepsVersions(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed:", err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	const user = `package main

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	conn, err := grpc.NewClient("localhost:1", OPTIONS)
	if err == nil {
		healthpb.NewHealthClient(conn)
	}
}
`
	plain := newModule(t, "", strings.Replace(user, "OPTIONS", "grpc.WithTransportCredentials(insecure.NewCredentials())", 1))
	instrumented := newModule(t, `
require github.com/filibuster-go/filibuster-gen/grpc v0.0.0

replace github.com/filibuster-go/filibuster-gen/grpc => `+here+`

replace github.com/filibuster-go/filibuster-gen/runtime => `+filepath.Join(here, "..", "runtime")+`
`, strings.Replace(strings.Replace(user,
		"OPTIONS", "filibustergrpc.DialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))...", 1),
		"import (", "import (\n\tfilibustergrpc \"github.com/filibuster-go/filibuster-gen/grpc\"", 1))

	before := versions(t, plain)
	after := versions(t, instrumented)
	if before["google.golang.org/grpc"] != minGRPC {
		t.Fatalf("the plain module has grpc-go %s, want %s", before["google.golang.org/grpc"], minGRPC)
	}
	for path, v := range before {
		if after[path] != v {
			t.Errorf("%s: %s in the module's graph, %s once it requires filibustergrpc", path, v, after[path])
		}
	}
	for path, v := range after {
		if _, ok := before[path]; !ok && !strings.HasPrefix(path, "github.com/filibuster-go/filibuster-gen/") {
			t.Errorf("requiring filibustergrpc adds %s %s", path, v)
		}
	}
	if line := goLine(t, instrumented); line != "1.25.0" {
		t.Errorf("go line %s after requiring filibustergrpc, want 1.25.0", line)
	}
	run(t, instrumented, "go", "build", "./...")
}

// newModule writes a module at go 1.25.0 requiring grpc-go minGRPC, with extra lines
// in its go.mod and a main.go, and tidies it.
func newModule(t *testing.T, extra, main string) string {
	t.Helper()
	dir := t.TempDir()
	mod := "module example.com/svc\n\ngo 1.25.0\n\nrequire google.golang.org/grpc " + minGRPC + "\n" + extra
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "go", "mod", "tidy")
	return dir
}

// versions returns the version of every module in dir's build list.
func versions(t *testing.T, dir string) map[string]string {
	t.Helper()
	v := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(run(t, dir, "go", "list", "-m", "all")), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			v[f[0]] = f[1]
		} else if len(f) == 1 {
			v[f[0]] = "(main)"
		}
	}
	return v
}

func goLine(t *testing.T, dir string) string {
	t.Helper()
	return strings.TrimSpace(run(t, dir, "go", "list", "-m", "-f", "{{.GoVersion}}"))
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, stderr)
	}
	return string(out)
}
