package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var siteRoot = Site{ID: "site-root", File: "main.go", Line: 7, Func: "main.main"}

// TestFaults checks what the caller gets, what is sent, and what is reported for every
// kind of fault the coordinator can ask for.
func TestFaults(t *testing.T) {
	type check func(t *testing.T, resp *http.Response, err error)
	isURLError := func(t *testing.T, err error) {
		t.Helper()
		var ue *url.Error
		if !errors.As(err, &ue) || ue.Op != "Get" || !strings.HasSuffix(ue.URL, "/x") {
			t.Errorf("error %v (%T) is not a *url.Error for Get .../x", err, err)
		}
	}
	refused := func(t *testing.T, resp *http.Response, err error) {
		isURLError(t, err)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("errors.Is(%v, ECONNREFUSED) is false", err)
		}
	}
	timedOut := func(t *testing.T, resp *http.Response, err error) {
		isURLError(t, err)
		var ne net.Error
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("%v is not a timeout that is context.DeadlineExceeded", err)
		}
	}
	status := func(code int) check {
		return func(t *testing.T, resp *http.Response, err error) {
			if err != nil {
				t.Fatalf("err = %v, want a %d response", err, code)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != code || len(body) != 0 || resp.Request == nil {
				t.Errorf("response %d %q (request %v), want %d with an empty body", resp.StatusCode, body, resp.Request, code)
			}
		}
	}
	cases := []struct {
		name     string
		fault    map[string]any
		sent     bool   // the call reaches the server
		sleep    string // X-Filibuster-Forced-Sleep the server sees
		reported map[string]any
		check    check
	}{
		{"refused", map[string]any{"forced_exception": map[string]any{"name": "syscall.ECONNREFUSED", "metadata": map[string]any{}}},
			false, "", map[string]any{"exception": map[string]any{"name": "syscall.ECONNREFUSED", "metadata": map[string]any{}}}, refused},
		{"python connection error", map[string]any{"forced_exception": map[string]any{"name": "requests.exceptions.ConnectionError"}},
			false, "", map[string]any{"exception": map[string]any{"name": "requests.exceptions.ConnectionError", "metadata": map[string]any{}}}, refused},
		{"timeout", map[string]any{"forced_exception": map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{}}},
			false, "", map[string]any{"exception": map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{}}}, timedOut},
		{"python timeout", map[string]any{"forced_exception": map[string]any{"name": "requests.exceptions.Timeout", "metadata": map[string]any{}}},
			false, "", map[string]any{"exception": map[string]any{"name": "requests.exceptions.Timeout", "metadata": map[string]any{}}}, timedOut},
		{"timeout sent with sleep", map[string]any{"forced_exception": map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{"abort": false, "sleep": 0.01}}},
			true, "0.01", map[string]any{"exception": map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{"abort": false, "sleep": 0.01}}}, timedOut},
		{"reset", map[string]any{"forced_exception": map[string]any{"name": "syscall.ECONNRESET"}},
			false, "", nil, func(t *testing.T, resp *http.Response, err error) {
				if !errors.Is(err, syscall.ECONNRESET) {
					t.Errorf("errors.Is(%v, ECONNRESET) is false", err)
				}
			}},
		{"unexpected EOF", map[string]any{"forced_exception": map[string]any{"name": "io.ErrUnexpectedEOF"}},
			false, "", nil, func(t *testing.T, resp *http.Response, err error) {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) is false", err)
				}
			}},
		{"unknown exception", map[string]any{"forced_exception": map[string]any{"name": "grpc.Unavailable"}},
			false, "", nil, func(t *testing.T, resp *http.Response, err error) {
				isURLError(t, err)
				if err == nil || !strings.Contains(err.Error(), "grpc.Unavailable") {
					t.Errorf("err = %v, want one naming the unknown fault", err)
				}
			}},
		{"status as string", map[string]any{"failure_metadata": map[string]any{"return_value": map[string]any{"status_code": "503"}}},
			false, "", map[string]any{"return_value": map[string]any{"__class__": "Response", "status_code": "503", "text": emptyDigest}}, status(503)},
		{"status as number", map[string]any{"failure_metadata": map[string]any{"return_value": map[string]any{"status_code": 404}}},
			false, "", map[string]any{"return_value": map[string]any{"__class__": "Response", "status_code": "404", "text": emptyDigest}}, status(404)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			coord := startCoordinator(t)
			coord.fault = func(map[string]any, int) map[string]any { return tc.fault }
			var got []http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = append(got, r.Header.Clone())
				io.WriteString(w, "real body")
			}))
			defer srv.Close()
			SetDefaultServiceName("client")

			resp, err := Get(siteRoot, nil, srv.URL+"/x")
			tc.check(t, resp, err)
			if tc.sent != (len(got) == 1) {
				t.Errorf("call sent %d times, want sent=%t", len(got), tc.sent)
			}
			if tc.sleep != "" && (len(got) == 0 || got[0].Get(headerForcedSleep) != tc.sleep) {
				t.Errorf("forced sleep header not %q: %v", tc.sleep, got)
			}
			ex := coord.exchanges()
			last := ex[len(ex)-1].body
			if last["instrumentation_type"] != "invocation_complete" {
				t.Fatalf("last request %v is not invocation_complete", last)
			}
			for k, v := range tc.reported {
				if !reflect.DeepEqual(last[k], v) {
					t.Errorf("reported %s = %v, want %v", k, last[k], v)
				}
			}
		})
	}
}

// TestCoordinatorUnavailable checks that a coordinator that is down or answers garbage
// never breaks the call, and that after maxFailures failed calls the process gives up
// on it, says so once, and stops asking.
func TestCoordinatorUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	var garbageHits, garbageProbes atomic.Int32
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == streamPath {
			garbageProbes.Add(1) // asking for a stream, answered with no upgrade
		} else {
			garbageHits.Add(1)
		}
		io.WriteString(w, "<html>not json")
	}))
	defer garbage.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()

	for name, u := range map[string]string{"down": down, "garbage": garbage.URL} {
		t.Run(name, func(t *testing.T) {
			logs := captureLog(t)
			useEnv(t, "FILIBUSTER_URL", u)
			garbageHits.Store(0)
			garbageProbes.Store(0)
			for i := 0; i < maxFailures+2; i++ {
				if body := getBody(t, srv.URL); body != "ok" {
					t.Errorf("body %q, want ok", body)
				}
			}
			if !current().off.Load() {
				t.Errorf("still instrumenting after %d failed calls", maxFailures+2)
			}
			if name == "garbage" && (garbageHits.Load() != maxFailures || garbageProbes.Load() != 1) {
				t.Errorf("the coordinator was asked %d times and for a stream %d times, want %d and once",
					garbageHits.Load(), garbageProbes.Load(), maxFailures)
			}
			if n := strings.Count(logs.String(), "giving up on the coordinator"); n != 1 {
				t.Errorf("logged the give-up %d times, want once:\n%s", n, logs)
			}
			if WasFaultInjected() {
				t.Error("WasFaultInjected with no coordinator")
			}
		})
	}
}

// TestHungCoordinator checks that a coordinator that accepts connections and never
// answers costs one call its timeout, after which the process runs uninstrumented.
func TestHungCoordinator(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns = append(conns, c) // held open, never answered
		}
	}()
	defer func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	}()

	logs := captureLog(t)
	useEnv(t, "FILIBUSTER_TIMEOUT", "200ms")
	useEnv(t, "FILIBUSTER_URL", "http://"+l.Addr().String())
	for i := 0; i < 5; i++ {
		if body := getBody(t, srv.URL); body != "ok" {
			t.Errorf("call %d: body %q, want ok", i, body)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("the hung coordinator got %d connections, want 1 (the first call's)", n)
	}
	if !strings.Contains(logs.String(), "did not answer within 200ms") {
		t.Errorf("no give-up line naming the timeout:\n%s", logs)
	}
}

// TestCoordinatorCallsPassThrough checks that a call to the coordinator itself, such
// as a functional test's question, is sent as it is and never reported.
func TestCoordinatorCallsPassThrough(t *testing.T) {
	coord := startCoordinator(t)
	u := os.Getenv("FILIBUSTER_URL") + "/filibuster/fault-injected"
	req, _ := http.NewRequest("GET", u, nil)
	resp, err := ClientDo(siteRoot, nil, http.DefaultClient, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ex := coord.exchanges()
	if len(ex) != 1 || ex[0].path != "/filibuster/fault-injected" {
		t.Errorf("the coordinator got %v, want only the call itself", ex)
	}
}

// getBody makes an instrumented GET of u and returns the body.
func getBody(t *testing.T, u string) string {
	t.Helper()
	resp, err := Get(siteRoot, nil, u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// captureLog sends the standard logger's output to a buffer for the test.
func captureLog(t *testing.T) *syncBuffer {
	t.Helper()
	var b syncBuffer
	log.SetOutput(&b)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })
	return &b
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCallerRequestUntouched checks that the headers go on a clone.
func TestCallerRequestUntouched(t *testing.T) {
	startCoordinator(t)
	var seen http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.Header.Clone() }))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	resp, err := ClientDo(siteRoot, nil, http.DefaultClient, req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen.Get(headerEI) == "" {
		t.Error("the call did not carry the execution index")
	}
	if len(req.Header) != 0 {
		t.Errorf("the caller's request was modified: %v", req.Header)
	}
}

// TestFaultInjectedHelpers checks the functional-test helpers.
func TestFaultInjectedHelpers(t *testing.T) {
	if WasFaultInjected() {
		t.Error("inert runtime reports a fault")
	}
	coord := startCoordinator(t)
	coord.faultInjected = true
	if !WasFaultInjected() || !WasFaultInjectedOn("users") {
		t.Error("helpers do not report the coordinator's answer")
	}
	ex := coord.exchanges()
	if len(ex) != 2 || ex[0].path != "/filibuster/fault-injected" || ex[1].path != "/filibuster/fault-injected/users" {
		t.Errorf("requests %v", ex)
	}
}

// TestInjectedTimeoutIsNetHTTPs checks that an injected timeout is the error net/http
// gives for the deadline that comes first: a request context's deadline gives
// context.DeadlineExceeded itself under the *url.Error (so code that compares
// errors.Unwrap(err) == context.DeadlineExceeded, as some clients do, sees the same),
// a client's Timeout net/http's timeout error.
func TestInjectedTimeoutIsNetHTTPs(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	for _, tc := range []struct {
		name    string
		timeout time.Duration // the client's
		ctx     time.Duration // the request context's deadline; 0 for none
	}{
		{"context deadline", 0, 50 * time.Millisecond},
		{"client timeout", 50 * time.Millisecond, 0},
		{"context deadline first", time.Hour, 50 * time.Millisecond},
		{"client timeout first", 50 * time.Millisecond, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := func(instrumented bool) error {
				ctx := context.Background()
				if tc.ctx > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.ctx)
					defer cancel()
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", hang.URL+"/x", nil)
				c := &http.Client{Timeout: tc.timeout}
				var resp *http.Response
				var err error
				if instrumented {
					resp, err = ClientDo(siteRoot, nil, c, req)
				} else {
					resp, err = c.Do(req)
				}
				if err == nil {
					resp.Body.Close()
				}
				return err
			}
			real := call(false)

			coord := startCoordinator(t)
			coord.fault = func(map[string]any, int) map[string]any {
				return map[string]any{"forced_exception": map[string]any{"name": "context.DeadlineExceeded", "metadata": map[string]any{}}}
			}
			SetDefaultServiceName("client")
			injected := call(true)

			var realURL, injURL *url.Error
			if !errors.As(real, &realURL) || !errors.As(injected, &injURL) {
				t.Fatalf("real %v (%T), injected %v (%T): want *url.Error both", real, real, injected, injected)
			}
			if (realURL.Err == context.DeadlineExceeded) != (injURL.Err == context.DeadlineExceeded) {
				t.Errorf("under the *url.Error: real %v (%T), injected %v (%T)", realURL.Err, realURL.Err, injURL.Err, injURL.Err)
			}
			if real.Error() != injected.Error() {
				t.Errorf("message: real %q, injected %q", real, injected)
			}
			var rne, ine net.Error
			if errors.As(real, &rne) != errors.As(injected, &ine) || rne != nil && ine != nil && rne.Timeout() != ine.Timeout() {
				t.Errorf("net.Error: real %v, injected %v", rne, ine)
			}
			// Before Go 1.23 a client's timeout is not context.DeadlineExceeded; the
			// injected one is, on every Go.
			if errors.Is(real, context.DeadlineExceeded) && !errors.Is(injected, context.DeadlineExceeded) {
				t.Errorf("errors.Is DeadlineExceeded: real %t, injected %t", errors.Is(real, context.DeadlineExceeded), errors.Is(injected, context.DeadlineExceeded))
			}
		})
	}
}
