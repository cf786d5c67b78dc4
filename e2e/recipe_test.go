package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

// TestReadmeRecipe follows the README's "Using it on your services" on a fresh module of
// two services at go 1.22: the generator installed from this clone (go install
// ./cmd/filibuster-gen), the runtime module required (through a replace of this clone's
// runtime/, as `go get` would once it is published), and `go test ./e2e`, which must
// explore every fault the analysis gives and pass; then the step-by-step recipe, with
// the functional test run as a command.
func TestReadmeRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the generator and builds a module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	install := exec.Command("go", "install", "./cmd/filibuster-gen")
	install.Dir = root
	install.Env = append(os.Environ(), "GOBIN="+bin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/filibuster-gen: %v\n%s", err, out)
	}

	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/shop\n\ngo 1.22\n",
		"filibuster.json": `{
  "services": [
    {"name": "front", "package": "./front"},
    {"name": "back", "package": "./back"}
  ],
  "entry": "front",
  "functional_test": "./e2e/cmd"
}
`,
		"front/main.go": `package main

import (
	"flag"
	"io"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /price", func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(os.Getenv("BACK_URL") + "/price")
		if err != nil {
			http.Error(w, "back unavailable", http.StatusServiceUnavailable)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			http.Error(w, "back failed", http.StatusServiceUnavailable)
			return
		}
		io.Copy(w, resp.Body)
	})
	http.ListenAndServe(*addr, mux)
}
`,
		"back/main.go": `package main

import (
	"flag"
	"io"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /price", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("item") == "gone" {
			http.Error(w, "no such item", http.StatusNotFound)
			return
		}
		io.WriteString(w, "42")
	})
	http.ListenAndServe(*addr, mux)
}
`,
		// The command form of the functional test, which filibuster.json names.
		"e2e/cmd/main.go": "package main\n\nfunc main() {}\n",
		// The functional test of the README's step-by-step recipe: a Go test run as a
		// command, asking the coordinator whether faults were injected.
		"functional/functional_test.go": `package functional

import (
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

func TestPrice(t *testing.T) {
	resp, err := http.Get(os.Getenv("FRONT_URL") + "/price")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch {
	case !runtime.WasFaultInjected() && (resp.StatusCode != http.StatusOK || string(body) != "42"):
		t.Errorf("no fault: %d %q", resp.StatusCode, body)
	case runtime.WasFaultInjectedOn("back") && resp.StatusCode != http.StatusServiceUnavailable:
		t.Errorf("fault on back: %d, want 503", resp.StatusCode)
	}
}
`,
		"e2e/e2e_test.go": `package e2e_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/filibustertest"
)

func TestPrice(t *testing.T) {
	filibustertest.Explore(t, "..", func(t *testing.T, x *filibustertest.Execution) {
		resp, err := http.Get(x.URL("front") + "/price")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		switch {
		case !x.FaultInjected() && (resp.StatusCode != http.StatusOK || string(body) != "42"):
			t.Errorf("no fault: %d %q", resp.StatusCode, body)
		case x.FaultInjectedOn("back") && resp.StatusCode != http.StatusServiceUnavailable:
			t.Errorf("fault on back: %d, want 503", resp.StatusCode)
		}
	}, filibustertest.WithoutReduction())
}
`,
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GOWORK=off", "GOFLAGS=-mod=mod", "FILIBUSTER_GEN=")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("mod", "edit", "-require", "github.com/filibuster-go/filibuster-gen/runtime@v0.0.0",
		"-replace", "github.com/filibuster-go/filibuster-gen/runtime="+filepath.Join(root, "runtime"))
	run("mod", "tidy")
	out := run("test", "-count=1", "-v", "./e2e")
	// The analysis gives back, a Go service, its 404 besides the 500 every service gets,
	// and front's call the connection and timeout errors: every one is an execution.
	for _, sub := range []string{"TestPrice/fault-free", "TestPrice/back-404", "TestPrice/back-500", "TestPrice/back-ECONNREFUSED"} {
		if !strings.Contains(out, "--- PASS: "+sub+" ") {
			t.Errorf("go test ./e2e did not pass %s:\n%s", sub, out)
		}
	}
	if !strings.Contains(out, "ok  \texample.com/shop/e2e") {
		t.Errorf("go test ./e2e did not pass:\n%s", out)
	}
	// The exploration's report, with the generator's sites, is where the test says.
	rep, err := report.Read(filepath.Join(dir, ".filibuster", "report", "TestPrice"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Exploration.Executions) != 4 || len(rep.Manifest) == 0 || !strings.Contains(out, "report: "+filepath.Join(dir, ".filibuster", "report", "TestPrice", "index.html")) {
		t.Errorf("report of %d executions and %d sites, want 4 executions and the generator's sites, named in the test's output", len(rep.Exploration.Executions), len(rep.Manifest))
	}

	t.Run("command", func(t *testing.T) { followCommandRecipe(t, dir, bin, env) })
}

// followCommandRecipe follows the README's step-by-step recipe, with the functional test
// run as a command, in the module in dir, with the generator installed in bin.
func followCommandRecipe(t *testing.T, dir, bin string, env []string) {
	gen := filepath.Join(bin, "filibuster-gen")
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(gen, "./...")
	run("go", "build", "-overlay", ".filibuster/overlay.json", "-o", "bin/shop/", "./front", "./back")
	run(gen, "analysis", "-o", "analysis.json", "./...")

	coord, front, back := freeAddr(t), freeAddr(t), freeAddr(t)
	serve := func(name, addr string, extra ...string) {
		cmd := exec.Command(filepath.Join(dir, "bin", "shop", name), "-addr", addr)
		cmd.Env = append(append([]string(nil), env...), append(extra, "FILIBUSTER_URL=http://"+coord)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		waitListening(t, addr)
	}
	serve("back", back)
	serve("front", front, "BACK_URL=http://"+back)

	out := run(gen, "explore", "--addr", coord, "--analysis-file", "analysis.json", "--disable-dynamic-reduction",
		"--report", filepath.Join(t.TempDir(), "report"),
		"--functional-test", "FRONT_URL=http://"+front+" go test -count=1 ./functional")
	if !strings.Contains(out, "executions ran: 4\n") || !strings.Contains(out, "passed with every scheduled fault injected: 4\n") || !strings.Contains(out, "result: passed\n") {
		t.Errorf("explore did not pass 4 executions:\n%s", out)
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

// waitListening waits until something accepts connections at addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens at %s", addr)
}
