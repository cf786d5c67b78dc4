package rewrite

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"net/http/httptest"
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

// TestGRPCModuleNotRequired checks that the gRPC calls of a module that does not
// require GRPCPath's module are listed as not instrumented, with the reason, and left
// as they are, and that the generator says so; the rest is instrumented as usual.
func TestGRPCModuleNotRequired(t *testing.T) {
	dir := writeModule(t, grpcModuleFiles(t, "v1.81.1", false))
	plan, err := Build(context.Background(), Config{Dir: dir, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkGRPCLeftAlone(t, plan, []string{GRPCPath, "example.com/shop", "does not require"})
}

// TestGRPCOlderGRPCGo checks that the gRPC calls of a module whose grpc-go is older
// than the one GRPCPath's module requires are left as they are, naming both versions,
// rather than upgraded.
func TestGRPCOlderGRPCGo(t *testing.T) {
	dir := writeModule(t, grpcModuleFiles(t, "v1.60.0", true))
	plan, err := Build(context.Background(), Config{Dir: dir, Out: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	checkGRPCLeftAlone(t, plan, []string{"google.golang.org/grpc v1.60.0", "v1.81.1", grpcModule})
	if data, ok := plan.Files["go.mod"]; ok && strings.Contains(string(data), "v1.81.1") {
		t.Errorf("the overlay's go.mod upgrades grpc-go:\n%s", data)
	}
}

// checkGRPCLeftAlone checks that plan lists users/users.go's gRPC server as not
// instrumented, with a reason naming each of want, leaves the file as it is, and warns
// naming the site.
func checkGRPCLeftAlone(t *testing.T, plan *Plan, want []string) {
	t.Helper()
	var site *SiteInfo
	for i, s := range plan.Sites {
		if s.Kind == KindGRPCServer {
			site = &plan.Sites[i]
		}
	}
	if site == nil {
		t.Fatalf("no gRPC server site listed: %+v", plan.Sites)
	}
	if site.Instrumented {
		t.Errorf("%s:%d is instrumented", site.File, site.Line)
	}
	for _, w := range want {
		if !strings.Contains(site.Reason, w) {
			t.Errorf("reason %q does not name %s", site.Reason, w)
		}
	}
	if _, ok := plan.Files["users/users.go"]; ok {
		t.Error("users/users.go was copied, though its only site is left alone")
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "users/users.go:6") {
		t.Errorf("warnings %q, want one naming users/users.go:6", plan.Warnings)
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

// TestGRPCStandIn checks that the cases' stand-in for GRPCPath declares the functions
// instrumented code calls with the signatures of the real package in ../grpc, so that
// the golden cases, which vet against the stand-in, call the real API.
func TestGRPCStandIn(t *testing.T) {
	real := signatures(t, filepath.Join("..", "grpc"))
	standIn := signatures(t, filepath.Join(testdataDir, "_fakes", "grpc", "filibustergrpc"))
	for _, name := range []string{"DialOptions", "ServerOptions", "WithSite"} {
		if real[name] == "" {
			t.Errorf("%s has no function %s", GRPCPath, name)
		} else if standIn[name] != real[name] {
			t.Errorf("stand-in %s is func%s, want func%s", name, standIn[name], real[name])
		}
	}
}

// signatures returns the signatures of the package-level functions of the package in
// dir, by name, as written (with the parameter names).
func signatures(t *testing.T, dir string) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(map[string]string)
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil {
				continue
			}
			var b bytes.Buffer
			if err := printer.Fprint(&b, fset, fd.Type); err != nil {
				t.Fatal(err)
			}
			sigs[fd.Name.Name] = strings.TrimPrefix(b.String(), "func")
		}
	}
	return sigs
}

// healthCheck makes a gRPC server and checks its health through the generated client
// stub, printing the status or the error's code.
const healthCheck = `package main

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func main() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, health.NewServer())
	go s.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		panic(err)
	}
	resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		fmt.Println(status.Code(err))
		return
	}
	fmt.Println(resp.Status)
}
`

// TestGRPCRealModule instruments a module that uses the real grpc-go and requires the
// real gRPC module (../grpc), builds it with the overlay, and checks that the RPC is
// reported from the site of the stub's call, that the server reports the request, and
// that an injected status reaches the caller.
func TestGRPCRealModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program with grpc-go")
	}
	gomod, err := os.ReadFile(filepath.Join("..", "grpc", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gf, err := modfile.Parse("go.mod", gomod, nil)
	if err != nil {
		t.Fatal(err)
	}
	grpcGoVersion := requiredVersion(gf, grpcGo)
	sum, err := os.ReadFile(filepath.Join("..", "grpc", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	grpcDir, err := filepath.Abs(filepath.Join("..", "grpc"))
	if err != nil {
		t.Fatal(err)
	}
	runtimeDir := filepath.Join(filepath.Dir(grpcDir), "runtime")
	dir := writeModule(t, map[string]string{
		"go.mod": fmt.Sprintf("module example.com/health\n\ngo %s\n\nrequire (\n\t%s v0.0.0\n\t%s v0.0.0\n\t%s %s\n)\n\nreplace %s => %s\n\nreplace %s => %s\n",
			gf.Go.Version, grpcModule, runtimeModule, grpcGo, grpcGoVersion, grpcModule, grpcDir, runtimeModule, runtimeDir),
		"go.sum":         string(sum),
		"tools/tools.go": "//go:build tools\n\npackage tools\n\nimport _ \"" + GRPCPath + "\"\n",
		"health/main.go": healthCheck,
	})
	// grpc-go and its dependencies come through the module proxy, once; the module is
	// then tidied and built offline.
	download := exec.Command("go", "mod", "download")
	download.Dir = grpcDir
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download in %s: %v\n%s", grpcDir, err, out)
	}
	tidy := exec.Command("go", "mod", "tidy")
	tidy.Dir = dir
	tidy.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
	if out, err := tidy.CombinedOutput(); err != nil {
		t.Fatalf("go mod tidy, offline, with grpc-go %s: %v\n%s", grpcGoVersion, err, out)
	}
	plan := generate(t, dir, filepath.Join(dir, ".filibuster"))
	line := 1 + strings.Count(healthCheck[:strings.Index(healthCheck, ".Check(")], "\n")
	var call SiteInfo
	for _, s := range plan.Sites {
		if s.Kind == KindGRPCCall {
			call = s
		}
	}
	if !call.Instrumented || call.Line != line || call.Callee != "(google.golang.org/grpc/health/grpc_health_v1.HealthClient).Check" {
		t.Fatalf("the stub's call is not listed as an instrumented grpc-call at health/main.go:%d: %+v", line, plan.Sites)
	}
	bin := filepath.Join(dir, "health.bin")
	build := exec.Command("go", "build", "-overlay", filepath.Join(plan.Out, "overlay.json"), "-o", bin, "./health")
	build.Dir = dir
	build.Env = tidy.Env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	coord := newFakeCoordinator()
	srv := httptest.NewServer(coord)
	defer srv.Close()
	run := func() string {
		t.Helper()
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "FILIBUSTER_URL="+srv.URL)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", bin, err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run(); got != "SERVING" {
		t.Errorf("without a fault the check answered %q, want SERVING", got)
	}
	creates, received := coord.seen()
	if len(creates) != 1 {
		t.Fatalf("creates = %v, want one", creates)
	}
	c := creates[0]
	if c["module"] != "grpc" || c["method"] != "/grpc.health.v1.Health/Check" || c["callsite_file"] != "health/main.go" ||
		fmt.Sprint(c["callsite_line"]) != fmt.Sprint(line) || c["full_traceback"] != call.ID {
		t.Errorf("create = %v, want the check from health/main.go:%d with the id %s", c, line, call.ID)
	}
	if len(received) != 1 || received[0]["target_service_name"] != "health" {
		t.Errorf("request_received updates = %v, want one from health", received)
	}
	coord.injectAll(`"forced_exception": {"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE"}}`)
	if got := run(); got != "Unavailable" {
		t.Errorf("with UNAVAILABLE injected the check answered %q, want Unavailable", got)
	}
}
