package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// extendedCoordinator fakes our coordinator's extensions (protocol.md, "Extensions our
// coordinator advertises"): it names its execution to a new-test-execution that asks
// for it, answers a create that names another execution with the current one and
// records nothing of it, and records every request.
type extendedCoordinator struct {
	t         testing.TB
	mu        sync.Mutex
	log       []exchange
	asked     []string // the X-Filibuster-Extensions header of each new-test-execution
	execution int64
	seen      map[string]bool
	next      int
	// alwaysStale makes every create that names an execution stale, as if the
	// executions moved on at each one.
	alwaysStale bool
	// holdStale, when not zero, holds the stale answers until that many have been
	// asked for, so that as many calls have advanced their clocks in the old execution.
	holdStale int
	stale     int
	release   chan struct{}
	// fault, when set, decides the extra keys of each create answer.
	fault func(payload map[string]any, id int) map[string]any
}

func startExtendedCoordinator(t testing.TB) *extendedCoordinator {
	t.Helper()
	c := &extendedCoordinator{t: t, execution: 1, seen: make(map[string]bool), release: make(chan struct{})}
	srv := httptest.NewServer(coordinator.Streams(c))
	t.Cleanup(srv.Close)
	useEnv(t, "FILIBUSTER_URL", srv.URL)
	return c
}

// newExecution starts the next test execution.
func (c *extendedCoordinator) newExecution() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.execution++
	c.seen = make(map[string]bool)
	c.next = 0
	c.log = nil
}

func (c *extendedCoordinator) exchanges() []exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exchange(nil), c.log...)
}

func (c *extendedCoordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/filibuster/updates" {
		// Reports that travelled with the responses: each is logged as one exchange.
		var reports []map[string]any
		if err := json.Unmarshal(data, &reports); err != nil {
			c.t.Errorf("coordinator: %s %s: malformed body %q", r.Method, r.URL.Path, data)
		}
		c.mu.Lock()
		for _, report := range reports {
			c.log = append(c.log, exchange{r.Method, r.URL.Path, report})
		}
		c.mu.Unlock()
		io.WriteString(w, "{}")
		return
	}
	var body map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			c.t.Errorf("coordinator: %s %s: malformed body %q", r.Method, r.URL.Path, data)
		}
	}
	c.mu.Lock()
	c.log = append(c.log, exchange{r.Method, r.URL.Path, body})
	switch {
	case strings.HasPrefix(r.URL.Path, "/filibuster/new-test-execution/"):
		svc := strings.TrimPrefix(r.URL.Path, "/filibuster/new-test-execution/")
		ext := r.Header.Get("X-Filibuster-Extensions")
		c.asked = append(c.asked, ext)
		answer := map[string]any{"new-test-execution": !c.seen[svc]}
		if ext == "execution" {
			answer["execution"] = c.execution
		}
		c.seen[svc] = true
		json.NewEncoder(w).Encode(answer)
	case r.URL.Path == "/filibuster/create":
		if x, ok := body["execution"].(float64); ok && (int64(x) != c.execution || c.alwaysStale) {
			c.stale++
			if c.stale == c.holdStale {
				close(c.release)
			}
			hold := c.holdStale > 0
			answer := map[string]any{"new-test-execution": true, "execution": c.execution}
			c.mu.Unlock()
			if hold {
				select {
				case <-c.release:
				case <-time.After(5 * time.Second):
					c.t.Errorf("coordinator: only %d stale creates arrived", c.stale)
				}
			}
			json.NewEncoder(w).Encode(answer)
			return
		}
		answer := map[string]any{"generated_id": c.next, "execution_index": body["execution_index"]}
		if c.fault != nil {
			for k, v := range c.fault(body, c.next) {
				answer[k] = v
			}
		}
		json.NewEncoder(w).Encode(answer)
		c.next++
	case r.URL.Path == "/filibuster/update":
		io.WriteString(w, "{}")
	default:
		http.NotFound(w, r)
	}
	c.mu.Unlock()
}

// paths lists the requests' methods and paths, with each create's execution and
// each update's instrumentation type: "PUT /filibuster/create 1".
func paths(xs []exchange) []string {
	var out []string
	for _, x := range xs {
		s := x.method + " " + x.path
		switch x.path {
		case "/filibuster/create":
			if e, ok := x.body["execution"]; ok {
				s += fmt.Sprint(" ", e)
			}
		case "/filibuster/update", "/filibuster/updates":
			s += fmt.Sprint(" ", x.body["instrumentation_type"])
		}
		out = append(out, s)
	}
	return out
}

func equalStrings(a, b []string) bool {
	return strings.Join(a, "\n") == strings.Join(b, "\n")
}

// TestExtensionAdvertised drives A -> B -> C against a coordinator that advertises the
// execution extension: the process asks new-test-execution once in its life, each
// create names its execution, a stale one is created again with fresh clocks, each
// call tells its callee its execution so that the callee's first create is not stale,
// and the callees report request_received as the reference's do.
func TestExtensionAdvertised(t *testing.T) {
	coord := startExtendedCoordinator(t)
	var mu sync.Mutex
	var headersOfB, headersOfC []http.Header
	c := startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headersOfC = append(headersOfC, r.Header.Clone())
		mu.Unlock()
		io.WriteString(w, "c-body")
	})
	b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headersOfB = append(headersOfB, r.Header.Clone())
		mu.Unlock()
		resp, err := ClientGet(siteBC, r, http.DefaultClient, c.url+"/c")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.Copy(w, resp.Body)
		resp.Body.Close()
	})
	a := startService(t, "A", func(s *service, w http.ResponseWriter, r *http.Request) {
		resp, err := Get(siteAB, r, b.url+"/b")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		io.Copy(w, resp.Body)
		resp.Body.Close()
	})

	if got := get(t, a.url+"/a"); got != "c-body" {
		t.Fatalf("A answered %q", got)
	}
	// The process asks once, for A; B's clocks, hosted in the same process, belong to
	// execution 1 once A's call says so. B and C hand their request_received back in
	// their responses (carry.go), and A, whose call no handler of its holds reports
	// for, sends them when it gets B's; B's own report is sent, as B's response began
	// (it copies C's body) before its call to C was complete.
	want := []string{
		"GET /filibuster/new-test-execution/A",
		"PUT /filibuster/create 1",
		"PUT /filibuster/create 1",
		"POST /filibuster/update invocation_complete",
		"POST /filibuster/updates request_received",
		"POST /filibuster/updates request_received",
		"POST /filibuster/update invocation_complete",
	}
	first := coord.exchanges()
	if got := paths(first); !equalStrings(got, want) {
		t.Errorf("first execution:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, ext := range coord.asked {
		if ext != "execution" {
			t.Errorf("new-test-execution asked with X-Filibuster-Extensions %q, want \"execution\"", ext)
		}
	}
	kAB := urlKey(siteAB.ID, "GET", b.url+"/b")
	kBC := urlKey(siteBC.ID, "GET", c.url+"/c")
	received := map[string]string{} // execution index -> target_service_name
	for _, x := range first {
		if x.body["instrumentation_type"] == "request_received" {
			received[fmt.Sprint(x.body["execution_index"])] = fmt.Sprint(x.body["target_service_name"])
		}
		// Every report names the execution, so that a late one is not taken for a
		// call of the next.
		if strings.HasPrefix(x.path, "/filibuster/update") && fmt.Sprint(x.body["execution"]) != "1" {
			t.Errorf("%s report without execution 1: %v", x.body["instrumentation_type"], x.body)
		}
	}
	if received[ei(kAB, 1)] != "B" || received[ei(kAB, 1, kBC, 1)] != "C" {
		t.Errorf("request_received's target_service_name by execution index: %v, want B for A's call and C for B's", received)
	}

	// The next execution: no new-test-execution; A's first create, its clocks of the
	// last execution, is stale and made again with the clocks forgotten; B's clocks
	// were forgotten when A's call named execution 2.
	coord.newExecution()
	if got := get(t, a.url+"/a"); got != "c-body" {
		t.Fatalf("A answered %q", got)
	}
	want = []string{
		"PUT /filibuster/create 1",
		"PUT /filibuster/create 2",
		"PUT /filibuster/create 2",
		"POST /filibuster/update invocation_complete",
		"POST /filibuster/updates request_received",
		"POST /filibuster/updates request_received",
		"POST /filibuster/update invocation_complete",
	}
	second := coord.exchanges()
	if got := paths(second); !equalStrings(got, want) {
		t.Errorf("second execution:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(second) == len(want) {
		// A's request has a new request id, so its clocks start afresh either way;
		// the retried create is the stale one made again.
		stale, retried := second[0].body, second[1].body
		delete(stale, "execution")
		delete(retried, "execution")
		if fmt.Sprint(stale) != fmt.Sprint(retried) {
			t.Errorf("A's create retried as %v, was %v", retried, stale)
		}
		if e := second[1].body["execution_index"]; e != ei(kAB, 1) {
			t.Errorf("A's call in the second execution has index %v, want %s", e, ei(kAB, 1))
		}
	}

	for i, h := range headersOfB {
		if want := fmt.Sprint(i + 1); h.Get("X-Filibuster-Execution") != want {
			t.Errorf("B's request %d named execution %q, want %s", i, h.Get("X-Filibuster-Execution"), want)
		}
		if h.Get("X-Filibuster-Execution-Index") == "" {
			t.Errorf("B's request %d carried no execution index", i)
		}
	}
	if len(headersOfC) != 2 {
		t.Errorf("C received %d requests, want 2", len(headersOfC))
	}
}

// TestExtensionStaleClocksForgotten checks, with calls made outside any request (whose
// clocks and counters belong to one request id for the life of the process), that a
// stale answer forgets them as a true new-test-execution does: the call made again is
// the first of the new execution.
func TestExtensionStaleClocksForgotten(t *testing.T) {
	useEnv(t, "FILIBUSTER_SERVICE_NAME", "root")
	coord := startExtendedCoordinator(t)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(callee.Close)
	call := func() {
		t.Helper()
		resp, err := ClientGet(siteRoot, nil, http.DefaultClient, callee.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	call()
	call()
	coord.newExecution()
	call()
	var creates []string
	for _, x := range coord.exchanges() {
		if x.path == "/filibuster/create" {
			vc, _ := json.Marshal(x.body["vclock"])
			creates = append(creates, fmt.Sprintf("%v %s %v", x.body["execution"], vc, x.body["execution_index"]))
		}
	}
	k := urlKey(siteRoot.ID, "GET", callee.URL)
	want := []string{
		fmt.Sprintf(`1 {"root":3} %s`, ei(k, 3)), // stale: the third call of the process's root request
		fmt.Sprintf(`2 {"root":1} %s`, ei(k, 1)), // made again: the first of execution 2
	}
	if !equalStrings(creates, want) {
		t.Errorf("creates of the second execution:\n%s\nwant\n%s", strings.Join(creates, "\n"), strings.Join(want, "\n"))
	}
}

// TestExtensionStaleTwice checks that a call whose create is stale twice goes ahead
// uninstrumented, and that this is no failure of the coordinator's: the next call is
// instrumented.
func TestExtensionStaleTwice(t *testing.T) {
	coord := startExtendedCoordinator(t)
	var mu sync.Mutex
	var sent []http.Header
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent = append(sent, r.Header.Clone())
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(callee.Close)
	logs := captureLog(t)
	coord.mu.Lock()
	coord.alwaysStale = true
	coord.mu.Unlock()
	for i := 0; i < maxFailures+1; i++ {
		if got := getBody(t, callee.URL); got != "ok" {
			t.Fatalf("call %d: %q", i, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, h := range sent {
		if h.Get(headerEI) != "" {
			t.Errorf("call %d went out instrumented", i)
		}
	}
	if !current().instrumenting() || logs.String() != "" {
		t.Errorf("stale answers were taken for failures: instrumenting %t, log %q", current().instrumenting(), logs.String())
	}
	coord.mu.Lock()
	coord.alwaysStale = false
	coord.mu.Unlock()
	mu.Unlock()
	getBody(t, callee.URL)
	mu.Lock()
	if sent[len(sent)-1].Get(headerEI) == "" {
		t.Errorf("the call after the stale ones went out uninstrumented")
	}
}

// TestExtensionConcurrentFirstCalls makes the first calls of an execution on many
// goroutines at once, all of them in the process's root request, against a coordinator
// that holds their stale answers until every one has arrived: the clocks are forgotten
// once, so the calls made again count 1 to n.
func TestExtensionConcurrentFirstCalls(t *testing.T) {
	const n = 16
	useEnv(t, "FILIBUSTER_SERVICE_NAME", "root")
	coord := startExtendedCoordinator(t)
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(callee.Close)
	call := func() {
		resp, err := ClientGet(siteRoot, nil, http.DefaultClient, callee.URL)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	call() // the extension is known from here on
	coord.newExecution()
	coord.mu.Lock()
	coord.holdStale = n
	coord.mu.Unlock()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			call()
		}()
	}
	wg.Wait()
	var stale, counts []int
	for _, x := range coord.exchanges() {
		if x.path != "/filibuster/create" {
			continue
		}
		vc := x.body["vclock"].(map[string]any)
		if x.body["execution"] == 1.0 {
			stale = append(stale, int(vc["root"].(float64)))
			continue
		}
		counts = append(counts, int(vc["root"].(float64)))
	}
	sort.Ints(stale)
	sort.Ints(counts)
	if fmt.Sprint(stale) != fmt.Sprint(seq(2, n+1)) {
		t.Errorf("stale creates' clocks %v, want %v", stale, seq(2, n+1))
	}
	if fmt.Sprint(counts) != fmt.Sprint(seq(1, n)) {
		t.Errorf("created again with clocks %v, want %v: the clocks were forgotten more than once", counts, seq(1, n))
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// TestExtensionNotAdvertised checks that against a coordinator that does not name its
// executions (the reference's), the runtime speaks the reference protocol: a
// new-test-execution before every call, no execution in creates, and the callees'
// request_received.
func TestExtensionNotAdvertised(t *testing.T) {
	coord := startCoordinator(t)
	a, b, c := chain(t)
	defer func() {
		for _, h := range append(b.received(), c.received()...) {
			if v := h.Get(headerExecution); v != "" {
				t.Errorf("a callee was told execution %s by a caller whose coordinator names none", v)
			}
		}
	}()
	for i := 0; i < 2; i++ {
		coord.newExecution()
		get(t, a.url+"/a")
		for _, x := range coord.exchanges() {
			if _, ok := x.body["execution"]; ok {
				t.Errorf("%s %s carries an execution: %v", x.method, x.path, x.body)
			}
		}
		want := []string{
			"GET /filibuster/new-test-execution/A",
			"PUT /filibuster/create",
			"POST /filibuster/update request_received",
			"GET /filibuster/new-test-execution/B",
			"PUT /filibuster/create",
			"POST /filibuster/update request_received",
			"POST /filibuster/update invocation_complete",
			"POST /filibuster/update invocation_complete",
		}
		want = append(want, want...) // A calls B twice
		if got := paths(coord.exchanges()); !equalStrings(got, want) {
			t.Errorf("execution %d:\n%s\nwant\n%s", i+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestCatchUp checks that a request naming a newer execution forgets the callee's
// clocks once, and that one naming an older execution (arriving late) changes nothing.
func TestCatchUp(t *testing.T) {
	p := &processState{services: make(map[string]*serviceState)}
	in := &incoming{service: "b", requestID: "r"}
	p.catchUp("b", 3)
	p.advance(in, "b", "k")
	if _, ei, execution := p.advance(in, "b", "k"); execution != 3 || ei.String() != `[["k", 2]]` {
		t.Fatalf("after catching up to 3: execution %d, index %s; want 3 and the second call counted", execution, ei)
	}
	p.catchUp("b", 3) // the same execution: its clocks are kept
	p.catchUp("b", 2) // a late request of an earlier one: nothing changes
	if _, ei, execution := p.advance(in, "b", "k"); execution != 3 || ei.String() != `[["k", 3]]` {
		t.Errorf("after requests of executions 3 and 2: execution %d, index %s; want 3 and the third call counted", execution, ei)
	}
	p.catchUp("b", 4)
	if _, ei, execution := p.advance(in, "b", "k"); execution != 4 || ei.String() != `[["k", 1]]` {
		t.Errorf("after catching up to 4: execution %d, index %s; want 4 and the clocks forgotten", execution, ei)
	}
}
