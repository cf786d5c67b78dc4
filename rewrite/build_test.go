package rewrite

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPanicPointsAtOriginal builds an instrumented program that panics and checks that
// the stack trace names the original file and line.
func TestPanicPointsAtOriginal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	plan := casesPlan(t)
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	if _, ok := plan.Files["panics/main.go"]; !ok {
		t.Fatal("panics/main.go was not instrumented")
	}
	src, err := os.ReadFile(filepath.Join(testdataDir, "panics", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	panicLine := 0
	for i, line := range strings.Split(string(src), "\n") {
		if strings.Contains(line, `panic("boom")`) {
			panicLine = i + 1
		}
	}
	bin := filepath.Join(t.TempDir(), "panics")
	build := exec.Command("go", "build", "-overlay", filepath.Join(plan.Out, "overlay.json"), "-o", bin, "./panics")
	build.Dir = testdataDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).CombinedOutput()
	if err == nil {
		t.Fatalf("the program did not panic:\n%s", out)
	}
	abs, err := filepath.Abs(filepath.Join(testdataDir, "panics", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s:%d", abs, panicLine)
	if !strings.Contains(string(out), want) {
		t.Errorf("stack trace does not name %s:\n%s", want, out)
	}
}

// TestFreshModule instruments a new module that does not depend on filibuster-gen,
// with two services that call each other, builds it with the overlay as the
// documentation says, and checks that the services talk to a coordinator.
func TestFreshModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/fresh\n\ngo 1.21\n")
	service := `package main

import (
	"flag"
	"io"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()
	http.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		peer := os.Getenv("PEER_URL")
		if peer == "" {
			io.WriteString(w, "hello from %s")
			return
		}
		resp, err := http.Get(peer + "/hello")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	http.ListenAndServe(*addr, nil)
}
`
	writeFile(t, filepath.Join(dir, "frontend", "main.go"), fmt.Sprintf(service, "frontend"))
	writeFile(t, filepath.Join(dir, "backend", "main.go"), fmt.Sprintf(service, "backend"))
	writeFile(t, filepath.Join(dir, "frontend", "main_test.go"), "package main\n\nimport \"testing\"\n\nfunc TestNothing(t *testing.T) {}\n")

	if _, err := Generate(context.Background(), Config{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.sum")); err == nil {
		t.Error("the generator wrote go.sum")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "go.mod")); string(data) != "module example.com/fresh\n\ngo 1.21\n" {
		t.Errorf("the generator changed go.mod:\n%s", data)
	}
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-overlay", filepath.Join(dir, ".filibuster", "overlay.json"), "-o", bin+string(os.PathSeparator), "./...")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Coverage works on the instrumented main packages: the generator adds nothing
	// but replaced files, which cover sees.
	cover := exec.Command("go", "test", "-cover", "-overlay", filepath.Join(dir, ".filibuster", "overlay.json"), "./...")
	cover.Dir = dir
	cover.Env = build.Env
	if out, err := cover.CombinedOutput(); err != nil || !strings.Contains(string(out), "coverage:") {
		t.Fatalf("go test -cover -overlay: %v\n%s", err, out)
	}

	coord := newFakeCoordinator()
	srv := httptest.NewServer(coord)
	defer srv.Close()

	backendAddr := freeAddr(t)
	frontendAddr := freeAddr(t)
	start(t, filepath.Join(bin, "backend"), backendAddr, "FILIBUSTER_URL="+srv.URL)
	start(t, filepath.Join(bin, "frontend"), frontendAddr, "FILIBUSTER_URL="+srv.URL, "PEER_URL=http://"+backendAddr)

	resp, err := http.Get("http://" + frontendAddr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello from backend" {
		t.Fatalf("frontend answered %d %q", resp.StatusCode, body)
	}

	creates, received := coord.seen()
	if len(creates) != 1 || creates[0]["source_service_name"] != "frontend" || creates[0]["module"] != "net/http" || creates[0]["method"] != "GET" {
		t.Errorf("creates = %v, want one GET from frontend", creates)
	}
	if len(received) != 1 || received[0]["target_service_name"] != "backend" {
		t.Errorf("request_received updates = %v, want one from backend", received)
	}
}

// buildWithNetHTTP generates the module in dir, which must get net/http instrumented,
// and builds all its main packages with the overlay into bin, offline. It returns the
// environment it built with.
func buildWithNetHTTP(t *testing.T, dir, bin string) []string {
	t.Helper()
	plan, err := Build(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.NetHTTP || len(plan.Warnings) > 0 {
		t.Fatalf("net/http not instrumented: %v", plan.Warnings)
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-overlay", filepath.Join(dir, ".filibuster", "overlay.json"), "-o", bin+string(os.PathSeparator), "./...")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return build.Env
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a free 127.0.0.1 address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs a service binary on addr until the test ends and waits until it accepts
// connections.
func start(t *testing.T, bin, addr string, env ...string) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitDial(t, addr, bin)
}

// waitDial waits until addr, where what listens, accepts connections.
func waitDial(t *testing.T, addr, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not start listening on %s", what, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeCoordinator answers the coordinator protocol, with no faults unless asked, and
// records the create and request_received payloads.
type fakeCoordinator struct {
	mu       sync.Mutex
	creates  []map[string]any
	received []map[string]any
	fault    string // members added to every create's answer: the fault of every call
}

// injectAll makes every later call fail with fault, the members of a create answer
// that ask for it ("" for none).
func (c *fakeCoordinator) injectAll(fault string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fault = fault
}

func newFakeCoordinator() *fakeCoordinator { return &fakeCoordinator{} }

func (c *fakeCoordinator) seen() (creates, received []map[string]any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]map[string]any(nil), c.creates...), append([]map[string]any(nil), c.received...)
}

func (c *fakeCoordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var payload map[string]any
	if r.Body != nil {
		json.NewDecoder(bufio.NewReader(r.Body)).Decode(&payload)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/filibuster/new-test-execution/"):
		io.WriteString(w, `{"new-test-execution": false}`)
	case r.URL.Path == "/filibuster/create":
		c.creates = append(c.creates, payload)
		fault := ""
		if c.fault != "" {
			fault = ", " + c.fault
		}
		fmt.Fprintf(w, `{"generated_id": %d, "execution_index": %q%s}`, len(c.creates)-1, payload["execution_index"], fault)
	case r.URL.Path == "/filibuster/update":
		if payload["instrumentation_type"] == "request_received" {
			c.received = append(c.received, payload)
		}
		io.WriteString(w, `{}`)
	default:
		io.WriteString(w, `{"result": false}`)
	}
}
