package rewrite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// grpcModuleFiles is a module that makes a gRPC server, requiring grpc-go at
// grpcVersion and, when requireGRPC, GRPCPath's module, both replaced by the cases'
// stand-ins (the stand-in of GRPCPath's module requires grpc-go v1.81.1).
func grpcModuleFiles(t *testing.T, grpcVersion string, requireGRPC bool) map[string]string {
	t.Helper()
	fakes, err := filepath.Abs(filepath.Join(testdataDir, "_fakes", "grpc"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module example.com/shop\n\ngo 1.22\n\nrequire google.golang.org/grpc " + grpcVersion + "\n\nreplace google.golang.org/grpc => " + fakes + "\n"
	if requireGRPC {
		gomod += "\nrequire " + grpcModule + " v0.0.0\n\nreplace " + grpcModule + " => " + filepath.Join(fakes, "filibustergrpc") + "\n"
	}
	return map[string]string{
		"go.mod": gomod,
		"users/users.go": `package users

import "google.golang.org/grpc"

func Serve() *grpc.Server {
	return grpc.NewServer()
}
`,
	}
}

// TestGRPCModuleNotRequired checks that a module whose gRPC calls are instrumented but
// which does not require GRPCPath's module is refused, naming the module and the site.
func TestGRPCModuleNotRequired(t *testing.T) {
	dir := writeModule(t, grpcModuleFiles(t, "v1.81.1", false))
	_, err := Build(context.Background(), Config{Dir: dir, Out: t.TempDir()})
	if err == nil {
		t.Fatal("Build succeeded for a module that does not require " + grpcModule)
	}
	for _, want := range []string{"users/users.go:6", GRPCPath, "example.com/shop"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

// TestGRPCOlderGRPCGo checks that a module whose grpc-go is older than the one
// GRPCPath's module requires is refused, naming both versions, rather than upgraded.
func TestGRPCOlderGRPCGo(t *testing.T) {
	dir := writeModule(t, grpcModuleFiles(t, "v1.60.0", true))
	out := t.TempDir()
	_, err := Build(context.Background(), Config{Dir: dir, Out: out})
	if err == nil {
		t.Fatal("Build succeeded for a module whose grpc-go is older than " + grpcModule + "'s")
	}
	for _, want := range []string{"users/users.go:6", "google.golang.org/grpc v1.60.0", "v1.81.1", grpcModule} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("Build wrote %d entries to the output directory", len(entries))
	}
}

// TestGRPCModuleRequired instruments a module that requires GRPCPath's module and not
// the runtime's: its overlay go.mod gets the runtime and keeps the user's grpc-go
// version, and the instrumented module vets.
func TestGRPCModuleRequired(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	dir := writeModule(t, grpcModuleFiles(t, "v1.81.1", true))
	plan := generate(t, dir, filepath.Join(dir, ".filibuster"))
	if _, ok := plan.Files["users/users.go"]; !ok {
		t.Fatal("users/users.go was not instrumented")
	}
	f, err := modfile.Parse("go.mod", plan.Files["go.mod"], nil)
	if err != nil {
		t.Fatal(err)
	}
	versions := make(map[string]string)
	for _, r := range f.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	if v := versions["google.golang.org/grpc"]; v != "v1.81.1" {
		t.Errorf("overlay go.mod requires google.golang.org/grpc %q, want the user's v1.81.1", v)
	}
	if _, ok := versions[runtimeModule]; !ok {
		t.Errorf("overlay go.mod does not require %s:\n%s", runtimeModule, plan.Files["go.mod"])
	}
	vet := exec.Command("go", "vet", "-overlay", filepath.Join(plan.Out, "overlay.json"), "./...")
	vet.Dir = dir
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet -overlay: %v\n%s", err, out)
	}
}
