package rewrite

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServerHookLeavesHandlers checks that with net/http instrumented, handlers and
// servers are left exactly as the user wrote them (listed as reached through the
// server hook), so that the program observes its own handler values and types; and
// that a server serving two listeners, built with -race and run against a
// coordinator, reports every request with no data race.
func TestServerHookLeavesHandlers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/hook\n\ngo 1.21\n")
	src := `package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

type hello struct{}

func (hello) ServeHTTP(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }

func main() {
	mux := http.NewServeMux()
	mux.Handle("/hello", hello{})
	srv := &http.Server{Handler: mux}
	for _, addr := range os.Args[1:] {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			panic(err)
		}
		go srv.Serve(l)
	}
	req, _ := http.NewRequest("GET", "/hello", nil)
	h, _ := mux.Handler(req)
	fmt.Printf("%T %T\n", srv.Handler, h)
	select {}
}
`
	writeFile(t, filepath.Join(dir, "server", "main.go"), src)
	plan, err := Build(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.NetHTTP {
		t.Fatalf("net/http not instrumented: %v", plan.Warnings)
	}
	for _, s := range plan.Sites {
		if !s.Instrumented || s.Via != ViaServerHook {
			t.Errorf("site %s:%d (%s): instrumented %t via %q, want via %q", s.File, s.Line, s.Callee, s.Instrumented, s.Via, ViaServerHook)
		}
	}
	copied := string(plan.Files["server/main.go"]) // the service's init is appended to it
	for _, line := range []string{`mux.Handle("/hello", hello{})`, `srv := &http.Server{Handler: mux}`, `go srv.Serve(l)`} {
		if !strings.Contains(copied, line) {
			t.Errorf("the copy of server/main.go does not keep %s as written:\n%s", line, copied)
		}
	}
	if strings.Contains(copied, "__filibuster.Handler") || strings.Contains(copied, "__filibuster.Server") {
		t.Errorf("with the server hook, a handler or server was wrapped:\n%s", copied)
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "server.bin")
	build := exec.Command("go", "build", "-race", "-overlay", filepath.Join(dir, ".filibuster", "overlay.json"), "-o", bin, "./server")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=", "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -race: %v\n%s", err, out)
	}

	coord := newFakeCoordinator()
	srv := httptest.NewServer(coord)
	defer srv.Close()
	a1, a2 := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, a1, a2)
	cmd.Env = append(os.Environ(), "FILIBUSTER_URL="+srv.URL, "GORACE=halt_on_error=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		if strings.Contains(stderr.String(), "DATA RACE") {
			t.Errorf("data race:\n%s", stderr.String())
		}
	}()
	waitDial(t, a1, bin)
	waitDial(t, a2, bin)
	for _, a := range []string{a1, a2, a1, a2} {
		req, _ := http.NewRequest("GET", "http://"+a+"/hello", nil)
		// As an instrumented caller would send it, so that the server reports it.
		req.Header.Set("X-Filibuster-Execution-Index", `[["k", 1]]`)
		req.Header.Set("X-Filibuster-Generated-Id", "0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello" {
			t.Errorf("%s answered %q", a, body)
		}
	}
	if got := strings.TrimSpace(stdout.String()); got != "*http.ServeMux main.hello" {
		t.Errorf("the program sees its handlers as %q, want its own types \"*http.ServeMux main.hello\"", got)
	}
	if _, received := coord.seen(); len(received) != 4 {
		t.Errorf("%d requests reported, want 4 (both listeners)", len(received))
	}
}

// TestHooksReachUnrewritableCalls checks that with net/http instrumented, calls the
// generator cannot rewrite (through a Do interface, a method value) are listed as
// reached through the client hook. (A server not built on net/http is listed as not
// instrumented: the othersrv golden case.)
func TestHooksReachUnrewritableCalls(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/doer\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "svc", "main.go"), `package main

import "net/http"

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

func call(d doer, req *http.Request) { d.Do(req) }

func main() {
	get := http.DefaultClient.Get
	get("http://example.invalid/")
	call(http.DefaultClient, nil)
}
`)
	plan, err := Build(context.Background(), Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.NetHTTP {
		t.Fatalf("net/http not instrumented: %v", plan.Warnings)
	}
	var via []string
	for _, s := range plan.Sites {
		via = append(via, s.Callee+" "+s.Via)
		if !s.Instrumented || s.Via != ViaClientHook {
			t.Errorf("%s:%d %s: instrumented %t via %q, want via %q", s.File, s.Line, s.Callee, s.Instrumented, s.Via, ViaClientHook)
		}
	}
	if len(plan.Sites) != 2 {
		t.Errorf("sites %v, want the method value and the interface call", via)
	}
}
