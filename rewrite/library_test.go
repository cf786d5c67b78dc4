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

// TestLibraryCalls builds a module whose services make their calls, and serve their
// requests, only through another module (a client library and a framework, like resty
// and gin), which the generator does not rewrite. With net/http instrumented, the
// library's call is reported with the user's line that led to it, and the
// framework's server reports the request it receives.
func TestLibraryCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib")
	writeFile(t, filepath.Join(lib, "go.mod"), "module example.com/lib\n\ngo 1.21\n")
	writeFile(t, filepath.Join(lib, "lib.go"), `// Package lib is a client library and a framework that use net/http internally.
package lib

import (
	"io"
	"net/http"
)

// Client calls a service.
type Client struct{ Base string }

// Fetch gets path from the service, with a client of its own.
func (c *Client) Fetch(path string) (string, error) {
	resp, err := (&http.Client{}).Get(c.Base + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Run serves f on addr, as a framework's engine does.
func Run(addr string, f func(w io.Writer, path string)) error {
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f(w, r.URL.Path)
	}))
}
`)
	app := filepath.Join(dir, "app")
	writeFile(t, filepath.Join(app, "go.mod"), "module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	writeFile(t, filepath.Join(app, "frontend", "main.go"), `package main

import (
	"flag"
	"io"
	"os"

	"example.com/lib"
)

func main() {
	addr := flag.String("addr", "", "listen address")
	flag.Parse()
	c := &lib.Client{Base: os.Getenv("PEER_URL")}
	lib.Run(*addr, func(w io.Writer, path string) {
		body, err := c.Fetch("/hello") // line 16: the user's call into the library
		if err != nil {
			io.WriteString(w, "error: "+err.Error())
			return
		}
		io.WriteString(w, body)
	})
}
`)
	writeFile(t, filepath.Join(app, "backend", "main.go"), `package main

import (
	"flag"
	"io"

	"example.com/lib"
)

func main() {
	addr := flag.String("addr", "", "listen address")
	flag.Parse()
	lib.Run(*addr, func(w io.Writer, path string) { io.WriteString(w, "hello from backend") })
}
`)
	plan, err := Build(context.Background(), Config{Dir: app})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.NetHTTP || len(plan.Warnings) > 0 {
		t.Fatalf("net/http not instrumented: %v", plan.Warnings)
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin")
	build := exec.Command("go", "build", "-overlay", filepath.Join(app, ".filibuster", "overlay.json"), "-o", bin+string(os.PathSeparator), "./...")
	build.Dir = app
	build.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	coord := newFakeCoordinator()
	srv := httptest.NewServer(coord)
	defer srv.Close()
	backendAddr, frontendAddr := freeAddr(t), freeAddr(t)
	start(t, filepath.Join(bin, "backend"), backendAddr, "FILIBUSTER_URL="+srv.URL)
	start(t, filepath.Join(bin, "frontend"), frontendAddr, "FILIBUSTER_URL="+srv.URL, "PEER_URL=http://"+backendAddr)

	resp, err := http.Get("http://" + frontendAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello from backend" {
		t.Fatalf("frontend answered %q", body)
	}
	creates, received := coord.seen()
	if len(creates) != 1 {
		t.Fatalf("%d calls reported, want the library's one: %v", len(creates), creates)
	}
	c := creates[0]
	if c["source_service_name"] != "frontend" || c["callsite_file"] != "frontend/main.go" || c["callsite_line"] != "16" {
		t.Errorf("library call reported from %v %v:%v, want frontend at frontend/main.go:16", c["source_service_name"], c["callsite_file"], c["callsite_line"])
	}
	if len(received) != 1 || received[0]["target_service_name"] != "backend" {
		t.Errorf("request_received = %v, want one from backend (served through the framework)", received)
	}

	// Inert, the same binaries make and serve the call as the originals.
	plainAddr, plainBackend := freeAddr(t), freeAddr(t)
	start(t, filepath.Join(bin, "backend"), plainBackend)
	start(t, filepath.Join(bin, "frontend"), plainAddr, "PEER_URL=http://"+plainBackend)
	resp, err = http.Get("http://" + plainAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello from backend" || strings.Contains(string(body), "error") {
		t.Errorf("inert frontend answered %q", body)
	}
}
