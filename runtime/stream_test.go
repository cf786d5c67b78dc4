package runtime

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// plainCounter counts the requests a coordinator receives by net/http, the upgrades
// to streams apart: what reaches the coordinator on a stream does not pass here.
type plainCounter struct {
	next            http.Handler
	upgrades, plain atomic.Int32
}

func (p *plainCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == streamPath {
		p.upgrades.Add(1)
	} else {
		p.plain.Add(1)
	}
	p.next.ServeHTTP(w, r)
}

// startCounted starts a fake coordinator, served through coordinator.Streams when
// streams is set, behind a plainCounter, points the runtime at it and starts a callee.
func startCounted(t *testing.T, streams bool) (*fakeCoordinator, *plainCounter, *httptest.Server, *syncBuffer) {
	t.Helper()
	fake := &fakeCoordinator{t: t, seen: make(map[string]bool)}
	var h http.Handler = fake
	if streams {
		h = coordinator.Streams(fake)
	}
	counter := &plainCounter{next: h}
	srv := httptest.NewServer(counter)
	t.Cleanup(srv.Close)
	logs := captureLog(t)
	useEnv(t, "FILIBUSTER_URL", srv.URL)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(callee.Close)
	return fake, counter, callee, logs
}

// TestStreamsCarryRequests checks that against a coordinator that offers streams,
// every request after the upgrade travels on the stream: one upgrade for calls made
// one after the other, nothing by plain HTTP, and the coordinator gets the protocol's
// requests as it would by HTTP. Calls made at once take a stream each and are all
// instrumented.
func TestStreamsCarryRequests(t *testing.T) {
	fake, counter, callee, logs := startCounted(t, true)
	for range 3 {
		getBody(t, callee.URL)
	}
	WasFaultInjected() // a functional test's question travels on the stream too
	if u, p := counter.upgrades.Load(), counter.plain.Load(); u != 1 || p != 0 {
		t.Errorf("%d upgrades and %d plain requests, want 1 and 0", u, p)
	}
	var paths []string
	for _, e := range fake.exchanges() {
		path := e.path
		if strings.HasPrefix(path, "/filibuster/new-test-execution/") {
			path = "/filibuster/new-test-execution/" // of whichever service the process is
		}
		paths = append(paths, e.method+" "+path)
	}
	want := "GET /filibuster/new-test-execution/ PUT /filibuster/create POST /filibuster/update"
	want = strings.Repeat(want+" ", 3) + "GET /filibuster/fault-injected"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("the coordinator got\n%s\nwant\n%s", got, want)
	}

	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			getBody(t, callee.URL)
		}()
	}
	wg.Wait()
	if creates := strings.Count(fmtExchanges(fake.exchanges()), "PUT /filibuster/create"); creates != 3+n {
		t.Errorf("%d creates, want %d", creates, 3+n)
	}
	if u := counter.upgrades.Load(); u < 1 || u > n+1 || counter.plain.Load() != 0 {
		t.Errorf("%d upgrades and %d plain requests for %d calls at once", u, counter.plain.Load(), n)
	}
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs)
	}
}

func fmtExchanges(ex []exchange) string {
	var b strings.Builder
	for _, e := range ex {
		b.WriteString(e.method + " " + e.path + "\n")
	}
	return b.String()
}

// TestStreamsRefused checks that against a coordinator that does not offer streams,
// as the reference server does not, the process asks once, without logging a failure,
// and sends every request by HTTP.
func TestStreamsRefused(t *testing.T) {
	fake, counter, callee, logs := startCounted(t, false) // the fake answers 404 to the upgrade
	for range 3 {
		getBody(t, callee.URL)
	}
	if u, p := counter.upgrades.Load(), counter.plain.Load(); u != 1 || p != 9 {
		t.Errorf("%d upgrades asked and %d plain requests, want 1 and 9", u, p)
	}
	if creates := strings.Count(fmtExchanges(fake.exchanges()), "PUT /filibuster/create"); creates != 3 {
		t.Errorf("%d creates, want 3", creates)
	}
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs)
	}
}

// TestStreamReplacedWhenClosed checks that a kept stream whose coordinator has gone,
// and another listens at its address (services outliving one exploration into the
// next), costs nothing: the next call goes on a new stream to the new coordinator, is
// instrumented, and no failure is logged.
func TestStreamReplacedWhenClosed(t *testing.T) {
	first := &fakeCoordinator{t: t, seen: make(map[string]bool)}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	tl := &trackingListener{Listener: l}
	srv := &http.Server{Handler: coordinator.Streams(first)}
	go srv.Serve(tl)
	logs := captureLog(t)
	useEnv(t, "FILIBUSTER_URL", "http://"+addr)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(callee.Close)

	getBody(t, callee.URL)
	srv.Close()
	tl.closeAll() // the upgraded connections, which the server forgets

	second := &fakeCoordinator{t: t, seen: make(map[string]bool)}
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the address was taken in between: %v", err)
	}
	srv2 := &http.Server{Handler: coordinator.Streams(second)}
	go srv2.Serve(l2)
	t.Cleanup(func() { srv2.Close() })

	getBody(t, callee.URL)
	if creates := strings.Count(fmtExchanges(second.exchanges()), "PUT /filibuster/create"); creates != 1 {
		t.Errorf("the second coordinator got %d creates, want 1:\n%s", creates, fmtExchanges(second.exchanges()))
	}
	if logs.String() != "" {
		t.Errorf("logged:\n%s", logs)
	}
}

// trackingListener keeps the connections it accepts, to close them.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *trackingListener) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
}

// TestStreamHung checks that a coordinator that takes a stream and never answers on it
// costs one call its timeout, after which the process runs uninstrumented, as by HTTP
// (TestHungCoordinator).
func TestStreamHung(t *testing.T) {
	release := make(chan struct{})
	var asked atomic.Int32
	srv := httptest.NewServer(coordinator.Streams(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-release
	})))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	logs := captureLog(t)
	useEnv(t, "FILIBUSTER_TIMEOUT", "200ms")
	useEnv(t, "FILIBUSTER_URL", srv.URL)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(callee.Close)

	for range 3 {
		getBody(t, callee.URL)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the coordinator was asked %d times, want once", n)
	}
	if !strings.Contains(logs.String(), "did not answer within 200ms") {
		t.Errorf("no give-up line naming the timeout:\n%s", logs)
	}
}
