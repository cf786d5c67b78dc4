package runtime

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// stubTransport answers every request in memory.
type stubTransport struct{ resp *http.Response }

func (s stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := *s.resp
	r.Request = req
	return &r, nil
}

func stubClient() *http.Client {
	return &http.Client{Transport: stubTransport{&http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}}}
}

// TestInertAllocations checks that the inert wrappers allocate nothing beyond the
// net/http call they make.
func TestInertAllocations(t *testing.T) {
	useEnv(t, "FILIBUSTER_URL", "")
	c := stubClient()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	plain := testing.AllocsPerRun(100, func() { c.Do(req) })
	wrapped := testing.AllocsPerRun(100, func() { ClientDo(siteRoot, nil, c, req) })
	if wrapped != plain {
		t.Errorf("inert ClientDo: %.0f allocations per call, plain Do: %.0f", wrapped, plain)
	}
	if n := testing.AllocsPerRun(100, Fork); n != 0 {
		t.Errorf("inert Fork: %.0f allocations, want 0", n)
	}
}

// BenchmarkInertFork measures what instrumented code adds before each go statement
// when the runtime is inert.
func BenchmarkInertFork(b *testing.B) {
	useEnv(b, "FILIBUSTER_URL", "")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Fork()
	}
}

// BenchmarkInertWrapper measures the inert wrapper against a stub transport: its
// allocations are those of (*http.Client).Do alone.
//
//	cd runtime && go test -run '^$' -bench . -benchmem .
func BenchmarkInertWrapper(b *testing.B) {
	reset()
	b.Setenv("FILIBUSTER_URL", "")
	c := stubClient()
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c.Do(req)
		}
	})
	b.Run("wrapped", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			ClientDo(siteRoot, nil, c, req)
		}
	})
}

// BenchmarkInertLoopback compares a real loopback request with and without the inert
// wrapper.
func BenchmarkInertLoopback(b *testing.B) {
	reset()
	b.Setenv("FILIBUSTER_URL", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	c := srv.Client()
	get := func(b *testing.B, do func() (*http.Response, error)) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			resp, err := do()
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	b.Run("plain", func(b *testing.B) { get(b, func() (*http.Response, error) { return c.Get(srv.URL) }) })
	b.Run("wrapped", func(b *testing.B) {
		get(b, func() (*http.Response, error) { return ClientGet(siteRoot, nil, c, srv.URL) })
	})
}

// coordinatorStub answers the coordinator protocol in memory, so that the active
// path's cost excludes the coordinator's round trips.
type coordinatorStub struct{}

func (coordinatorStub) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
	}
	body := "{}"
	switch {
	case strings.HasPrefix(req.URL.Path, "/filibuster/new-test-execution/"):
		body = `{"new-test-execution": false}`
	case req.URL.Path == "/filibuster/create":
		body = `{"generated_id": 0, "execution_index": "[[\"k\", 1]]"}`
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}, Request: req}, nil
}

// BenchmarkActiveCall measures one instrumented call with the coordinator answering in
// memory: the runtime's own cost per call (clocks, index, payloads, headers, digest).
func BenchmarkActiveCall(b *testing.B) {
	reset()
	b.Setenv("FILIBUSTER_URL", "http://coordinator.invalid")
	cfg := current()
	cfg.client = &http.Client{Transport: coordinatorStub{}}
	defer reset()
	c := stubClient()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
		resp, err := ClientDo(siteRoot, nil, c, req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkCallOnFreshGoroutine measures an instrumented call made outside any handler,
// on a new goroutine each time, among a thousand idle goroutines, as in a test suite
// whose parallel tests call services (go-github's): no goroutine's ancestry needs
// tracing when no request is being served.
//
//	cd runtime && go test -run '^$' -bench CallOnFreshGoroutine -benchmem .
func BenchmarkCallOnFreshGoroutine(b *testing.B) {
	startCoordinator(b)
	stop := make(chan struct{})
	defer close(stop)
	for i := 0; i < 1000; i++ {
		go func() { <-stop }()
	}
	c := stubClient()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		done := make(chan struct{})
		go func() {
			defer close(done)
			req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
			if resp, err := ClientDo(siteRoot, nil, c, req); err == nil {
				resp.Body.Close()
			}
		}()
		<-done
	}
}

// BenchmarkCoordinatorRequest measures one request to a coordinator served in this
// process, on a stream (the stream extension) and by HTTP (a coordinator that offers
// none): what net/http's machinery adds to a round trip. Between processes the
// difference is larger (docs/protocol.md, "The stream extension").
//
//	cd runtime && go test -run '^$' -bench CoordinatorRequest .
func BenchmarkCoordinatorRequest(b *testing.B) {
	for _, streams := range []bool{true, false} {
		name := "http"
		if streams {
			name = "stream"
		}
		b.Run(name, func(b *testing.B) {
			fake := &fakeCoordinator{t: b, seen: make(map[string]bool)}
			var h http.Handler = fake
			if streams {
				h = coordinator.Streams(fake)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			useEnv(b, "FILIBUSTER_URL", srv.URL)
			c := current()
			var out struct{}
			for i := 0; i < b.N; i++ {
				if err := c.call(http.MethodPost, "/filibuster/update", map[string]any{}, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOnGoroutine measures telling whether a call is made on its handler's
// goroutine, 30 frames below the middleware: from the goroutine's return addresses
// (onGoroutine, when the handler is the only one served) and from its id (what it
// costs otherwise, a stack trace).
//
//	cd runtime && go test -run '^$' -bench OnGoroutine .
func BenchmarkOnGoroutine(b *testing.B) {
	for _, how := range []string{"return-addresses", "goroutine-id"} {
		b.Run(how, func(b *testing.B) {
			in := &incoming{requestID: "r"}
			serveLike(in, func() {
				deep(30, func() {
					for i := 0; i < b.N; i++ {
						if how == "goroutine-id" {
							goroutineID()
						} else if in.onGoroutine() {
							b.Fatal("on a goroutine")
						}
					}
				})
			})
		})
	}
}

// serveLike runs f as serve runs a handler for in.
func serveLike(in *incoming, f func()) {
	in.below = callersBelow()
	leave := states.enter(in)
	defer leave()
	f()
}

// deep calls f n frames down.
//
//go:noinline
func deep(n int, f func()) {
	if n == 0 {
		f()
		return
	}
	deep(n-1, f)
}
