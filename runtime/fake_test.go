package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// exchange is one request the fake coordinator received.
type exchange struct {
	method, path string
	body         map[string]any
}

// fakeCoordinator speaks the coordinator protocol and records every request. fault,
// when set, decides the extra keys of each create answer from the create payload and
// its generated id.
type fakeCoordinator struct {
	t     testing.TB
	mu    sync.Mutex
	log   []exchange
	seen  map[string]bool // services that asked new-test-execution in this execution
	next  int             // next generated_id
	fault func(payload map[string]any, id int) map[string]any

	faultInjected bool
}

// startCoordinator starts a fake coordinator and points the runtime at it.
func startCoordinator(t testing.TB) *fakeCoordinator {
	t.Helper()
	c := &fakeCoordinator{t: t, seen: make(map[string]bool)}
	srv := httptest.NewServer(coordinator.Streams(c))
	t.Cleanup(srv.Close)
	useEnv(t, "FILIBUSTER_URL", srv.URL)
	return c
}

// useEnv sets an environment variable for the test and makes the runtime read it.
func useEnv(t testing.TB, key, value string) {
	t.Helper()
	t.Setenv(key, value)
	reset()
	t.Cleanup(reset)
}

// newExecution starts a new test execution: every service gets true once more.
func (c *fakeCoordinator) newExecution() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = make(map[string]bool)
	c.next = 0
	c.log = nil
}

func (c *fakeCoordinator) exchanges() []exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exchange(nil), c.log...)
}

func (c *fakeCoordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			c.t.Errorf("coordinator: %s %s: malformed body %q", r.Method, r.URL.Path, data)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, exchange{r.Method, r.URL.Path, body})
	switch {
	case strings.HasPrefix(r.URL.Path, "/filibuster/new-test-execution/"):
		svc := strings.TrimPrefix(r.URL.Path, "/filibuster/new-test-execution/")
		fmt.Fprintf(w, `{"new-test-execution": %t}`, !c.seen[svc])
		c.seen[svc] = true
	case r.URL.Path == "/filibuster/create":
		answer := map[string]any{"generated_id": c.next, "execution_index": body["execution_index"]}
		if c.fault != nil {
			for k, v := range c.fault(body, c.next) {
				answer[k] = v
			}
		}
		c.next++
		json.NewEncoder(w).Encode(answer)
	case r.URL.Path == "/filibuster/update":
		io.WriteString(w, "{}")
	case strings.HasPrefix(r.URL.Path, "/filibuster/fault-injected"):
		fmt.Fprintf(w, `{"result": %t}`, c.faultInjected)
	default:
		http.NotFound(w, r)
	}
}

// service is an instrumented service on an httptest server.
type service struct {
	url     string
	mu      sync.Mutex
	headers []http.Header // headers of every request received
}

func (s *service) received() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.headers...)
}

// startService serves f, wrapped by the runtime as the named service.
func startService(t *testing.T, name string, f func(s *service, w http.ResponseWriter, r *http.Request)) *service {
	t.Helper()
	s := &service{}
	h := &handler{service: name, next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Clone())
		s.mu.Unlock()
		f(s, w, r)
	})}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// port returns the port of an httptest URL, as url_without_host keeps it.
func port(u string) string { return u[strings.LastIndexByte(u, ':')+1:] }

// urlKey is the execution-index key of a net/http call from site to rawURL.
func urlKey(siteID, method, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	return callKey(siteID, module, method, u)
}
