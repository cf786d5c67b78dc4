package rewrite

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// TestReverseProxy builds a gateway that forwards requests with an
// httputil.ReverseProxy, which sends with a RoundTripper and no http.Client. With
// net/http instrumented, what it forwards is reported as calls, attributed to the
// user's line that called the proxy or, for a proxy mounted as a handler, to the
// proxy itself, and faults injected on them reach the gateway's caller as the proxy
// reports them: a made-up status as it is, an error as 502 Bad Gateway.
func TestReverseProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "gateway", "main.go"), `package main

import (
	"flag"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
)

func main() {
	addr := flag.String("addr", "", "listen address")
	flag.Parse()
	backend, err := url.Parse(os.Getenv("PEER_URL"))
	if err != nil {
		panic(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(backend)
	mux := http.NewServeMux()
	mux.Handle("/direct/", proxy)
	mux.HandleFunc("/wrapped/", func(w http.ResponseWriter, r *http.Request) {
		proxy.ServeHTTP(w, r) // line 22
	})
	http.ListenAndServe(*addr, mux)
}
`)
	writeFile(t, filepath.Join(dir, "backend", "main.go"), `package main

import (
	"flag"
	"io"
	"net/http"
)

func main() {
	addr := flag.String("addr", "", "listen address")
	flag.Parse()
	http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "backend "+r.URL.Path)
	}))
}
`)
	bin := filepath.Join(dir, "bin")
	buildWithNetHTTP(t, dir, bin)

	coord := newFakeCoordinator()
	srv := httptest.NewServer(coord)
	defer srv.Close()
	backendAddr, gatewayAddr := freeAddr(t), freeAddr(t)
	start(t, filepath.Join(bin, "backend"), backendAddr, "FILIBUSTER_URL="+srv.URL)
	start(t, filepath.Join(bin, "gateway"), gatewayAddr, "FILIBUSTER_URL="+srv.URL, "PEER_URL=http://"+backendAddr)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + gatewayAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, path := range []string{"/direct/a", "/wrapped/b"} {
		if code, body := get(path); code != 200 || body != "backend "+path {
			t.Fatalf("GET %s through the gateway: %d %q", path, code, body)
		}
	}
	creates, received := coord.seen()
	if len(creates) != 2 {
		t.Fatalf("%d calls reported, want the two the proxy forwarded: %v", len(creates), creates)
	}
	if f := creates[0]["callsite_file"]; f != "net/http/httputil/reverseproxy.go" {
		t.Errorf("the mounted proxy's call is attributed to %v, want net/http/httputil/reverseproxy.go", f)
	}
	if f, l := creates[1]["callsite_file"], creates[1]["callsite_line"]; f != "gateway/main.go" || l != "22" {
		t.Errorf("the wrapped proxy's call is attributed to %v:%v, want gateway/main.go:22", f, l)
	}
	for _, c := range creates {
		if c["source_service_name"] != "gateway" || c["method"] != "GET" {
			t.Errorf("call reported as %v %v, want a GET from gateway", c["source_service_name"], c["method"])
		}
	}
	if len(received) != 2 || received[0]["target_service_name"] != "backend" {
		t.Errorf("request_received = %v, want two from backend", received)
	}

	coord.injectAll(`"failure_metadata": {"return_value": {"status_code": "503"}}`)
	if code, _ := get("/direct/c"); code != http.StatusServiceUnavailable {
		t.Errorf("with 503 injected on the forwarded call, the gateway answered %d", code)
	}
	coord.injectAll(`"forced_exception": {"name": "requests.exceptions.ConnectionError", "metadata": {}}`)
	if code, _ := get("/wrapped/d"); code != http.StatusBadGateway {
		t.Errorf("with a connection error injected on the forwarded call, the gateway answered %d, want the proxy's 502", code)
	}
	if _, received = coord.seen(); len(received) != 2 {
		t.Errorf("backend received %d instrumented requests, want still 2: faulted calls are not sent", len(received))
	}
}
