package runtime

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var siteAB = Site{ID: "site-ab", File: "a/main.go", Line: 10, Func: "main.handle"}
var siteBC = Site{ID: "site-bc", File: "b/main.go", Line: 20, Func: "main.handle"}

// chain starts A, which calls B twice in a loop, and B, which calls C (protocol.md §3).
func chain(t *testing.T) (a, b, c *service) {
	c = startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "c-body")
	})
	client := &http.Client{Timeout: 10 * time.Second}
	b = startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		resp, err := ClientGet(siteBC, r, client, c.url+"/c")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.Write(body)
	})
	a = startService(t, "A", func(s *service, w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 2; i++ {
			resp, err := Get(siteAB, r, b.url+"/b")
			if err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			fmt.Fprintf(w, "%d:%s;", resp.StatusCode, body)
		}
	})
	return a, b, c
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ei builds the expected execution index string.
func ei(pairs ...any) string {
	var parts []string
	for i := 0; i < len(pairs); i += 2 {
		parts = append(parts, fmt.Sprintf(`["%s", %d]`, pairs[i], pairs[i+1]))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TestChain checks the exact requests the coordinator receives and the header bytes
// each service receives for A -> B (twice) -> C, and the reset on a new execution.
func TestChain(t *testing.T) {
	coord := startCoordinator(t)
	a, b, c := chain(t)

	if got := get(t, a.url+"/a"); got != "200:c-body;200:c-body;" {
		t.Fatalf("A answered %q", got)
	}
	kAB := urlKey(siteAB.ID, "GET", b.url+"/b")
	kBC := urlKey(siteBC.ID, "GET", c.url+"/c")
	if kAB != md5hex(`site-ab-net/http-GET-"127.0.0.1:`+port(b.url)+`"`) {
		t.Errorf("call key %s is not md5(site-module-method-json(host:port))", kAB)
	}
	argsB := []any{port(b.url) + "/b"}
	argsC := []any{port(c.url) + "/c"}
	cBody := md5hex("c-body")
	bBody := md5hex("c-body")
	want := []exchange{
		{"GET", "/filibuster/new-test-execution/A", nil},
		{"PUT", "/filibuster/create", map[string]any{
			"instrumentation_type": "invocation", "source_service_name": "A", "module": "net/http", "method": "GET",
			"args": argsB, "kwargs": map[string]any{}, "callsite_file": "a/main.go", "callsite_line": "10",
			"full_traceback": "site-ab", "metadata": map[string]any{},
			"vclock": map[string]any{"A": 1.0}, "origin_vclock": map[string]any{}, "execution_index": ei(kAB, 1)}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "request_received", "generated_id": "0", "execution_index": ei(kAB, 1), "target_service_name": "B"}},
		{"GET", "/filibuster/new-test-execution/B", nil},
		{"PUT", "/filibuster/create", map[string]any{
			"instrumentation_type": "invocation", "source_service_name": "B", "module": "net/http", "method": "GET",
			"args": argsC, "kwargs": map[string]any{}, "callsite_file": "b/main.go", "callsite_line": "20",
			"full_traceback": "site-bc", "metadata": map[string]any{"timeout": 10.0},
			"vclock": map[string]any{"A": 1.0, "B": 1.0}, "origin_vclock": map[string]any{"A": 1.0}, "execution_index": ei(kAB, 1, kBC, 1)}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "request_received", "generated_id": "1", "execution_index": ei(kAB, 1, kBC, 1), "target_service_name": "C"}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "invocation_complete", "generated_id": 1.0, "execution_index": ei(kAB, 1, kBC, 1),
			"vclock":       map[string]any{"A": 1.0, "B": 1.0},
			"return_value": map[string]any{"__class__": "Response", "status_code": "200", "text": cBody}}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "invocation_complete", "generated_id": 0.0, "execution_index": ei(kAB, 1),
			"vclock":       map[string]any{"A": 1.0},
			"return_value": map[string]any{"__class__": "Response", "status_code": "200", "text": bBody}}},
		{"GET", "/filibuster/new-test-execution/A", nil},
		{"PUT", "/filibuster/create", map[string]any{
			"instrumentation_type": "invocation", "source_service_name": "A", "module": "net/http", "method": "GET",
			"args": argsB, "kwargs": map[string]any{}, "callsite_file": "a/main.go", "callsite_line": "10",
			"full_traceback": "site-ab", "metadata": map[string]any{},
			"vclock": map[string]any{"A": 2.0}, "origin_vclock": map[string]any{}, "execution_index": ei(kAB, 2)}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "request_received", "generated_id": "2", "execution_index": ei(kAB, 2), "target_service_name": "B"}},
		{"GET", "/filibuster/new-test-execution/B", nil},
		{"PUT", "/filibuster/create", map[string]any{
			"instrumentation_type": "invocation", "source_service_name": "B", "module": "net/http", "method": "GET",
			"args": argsC, "kwargs": map[string]any{}, "callsite_file": "b/main.go", "callsite_line": "20",
			"full_traceback": "site-bc", "metadata": map[string]any{"timeout": 10.0},
			// B's clock for the request merges the new incoming {"A": 2} with its {"A": 1, "B": 1}.
			"vclock": map[string]any{"A": 2.0, "B": 2.0}, "origin_vclock": map[string]any{"A": 2.0}, "execution_index": ei(kAB, 2, kBC, 1)}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "request_received", "generated_id": "3", "execution_index": ei(kAB, 2, kBC, 1), "target_service_name": "C"}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "invocation_complete", "generated_id": 3.0, "execution_index": ei(kAB, 2, kBC, 1),
			"vclock":       map[string]any{"A": 2.0, "B": 2.0},
			"return_value": map[string]any{"__class__": "Response", "status_code": "200", "text": cBody}}},
		{"POST", "/filibuster/update", map[string]any{
			"instrumentation_type": "invocation_complete", "generated_id": 2.0, "execution_index": ei(kAB, 2),
			"vclock":       map[string]any{"A": 2.0},
			"return_value": map[string]any{"__class__": "Response", "status_code": "200", "text": bBody}}},
	}
	compareExchanges(t, coord.exchanges(), want)

	// Header bytes: Python's json.dumps encodings, the same request id all along.
	bh, ch := b.received(), c.received()
	if len(bh) != 2 || len(ch) != 2 {
		t.Fatalf("B received %d requests, C %d; want 2 each", len(bh), len(ch))
	}
	wantB := []map[string]string{
		{headerGeneratedID: "0", headerVClock: `{"A": 1}`, headerOriginVClock: `{"A": 1}`, headerEI: ei(kAB, 1)},
		{headerGeneratedID: "2", headerVClock: `{"A": 2}`, headerOriginVClock: `{"A": 2}`, headerEI: ei(kAB, 2)},
	}
	wantC := []map[string]string{
		{headerGeneratedID: "1", headerVClock: `{"A": 1, "B": 1}`, headerOriginVClock: `{"A": 1, "B": 1}`, headerEI: ei(kAB, 1, kBC, 1)},
		{headerGeneratedID: "3", headerVClock: `{"A": 2, "B": 2}`, headerOriginVClock: `{"A": 2, "B": 2}`, headerEI: ei(kAB, 2, kBC, 1)},
	}
	for i := range bh {
		for k, v := range wantB[i] {
			if got := bh[i].Get(k); got != v {
				t.Errorf("B request %d: %s = %q, want %q", i, k, got, v)
			}
		}
		for k, v := range wantC[i] {
			if got := ch[i].Get(k); got != v {
				t.Errorf("C request %d: %s = %q, want %q", i, k, got, v)
			}
		}
	}
	id := bh[0].Get(headerRequestID)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("request id %q is not a UUID v4", id)
	}
	for _, h := range append(bh, ch...) {
		if h.Get(headerRequestID) != id {
			t.Errorf("request id %q, want %q everywhere", h.Get(headerRequestID), id)
		}
	}

	// A new test execution resets the clocks and counters of every service.
	coord.newExecution()
	get(t, a.url+"/a")
	ex := coord.exchanges()
	if got := ex[1].body["vclock"]; !reflect.DeepEqual(got, map[string]any{"A": 1.0}) {
		t.Errorf("after a new test execution, first vclock = %v, want {A: 1}", got)
	}
	if got := ex[1].body["execution_index"]; got != ei(kAB, 1) {
		t.Errorf("after a new test execution, first EI = %v, want %s", got, ei(kAB, 1))
	}
	if got := ex[4].body["vclock"]; !reflect.DeepEqual(got, map[string]any{"A": 1.0, "B": 1.0}) {
		t.Errorf("after a new test execution, B's first vclock = %v, want {A: 1, B: 1}", got)
	}
}

// compareExchanges reports every difference between the recorded and expected requests.
func compareExchanges(t *testing.T, got, want []exchange) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			t.Errorf("request %d missing: want %s %s %v", i, want[i].method, want[i].path, want[i].body)
		case i >= len(want):
			t.Errorf("request %d unexpected: %s %s %v", i, got[i].method, got[i].path, got[i].body)
		case got[i].method != want[i].method || got[i].path != want[i].path || !reflect.DeepEqual(got[i].body, want[i].body):
			g, _ := json.Marshal(got[i].body)
			w, _ := json.Marshal(want[i].body)
			t.Errorf("request %d:\n got %s %s %s\nwant %s %s %s", i, got[i].method, got[i].path, g, want[i].method, want[i].path, w)
		}
	}
}

// TestConcurrentRequests sends 50 concurrent requests through the chain; run with
// -race.
func TestConcurrentRequests(t *testing.T) {
	coord := startCoordinator(t)
	a, _, _ := chain(t)
	// One request first, so that each service's new-test-execution reset is behind us.
	get(t, a.url+"/a")
	coord.mu.Lock()
	coord.log = nil
	coord.mu.Unlock()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(a.url + "/a")
			if err != nil {
				errs <- err
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "200:c-body;200:c-body;" {
				errs <- fmt.Errorf("A answered %q", body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	creates := 0
	eis := make(map[string]int)
	for _, e := range coord.exchanges() {
		if e.path == "/filibuster/create" {
			creates++
			eis[e.body["execution_index"].(string)]++
		}
	}
	if creates != 50*4 {
		t.Errorf("%d creates, want %d", creates, 50*4)
	}
	// Each request has its own id, so its counters start from 1: every request's calls
	// have the same four execution indexes.
	for k, n := range eis {
		if n != 50 {
			t.Errorf("execution index %s seen %d times, want 50", k, n)
		}
	}
}

// TestRepeatedCallsInCalledService checks that identical calls made by one invocation
// of a called service get distinct execution indexes (the reference instrumentation
// gives them one), while each invocation counts from 1.
func TestRepeatedCallsInCalledService(t *testing.T) {
	coord := startCoordinator(t)
	c := startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {})
	b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 2; i++ {
			resp, err := Get(siteBC, r, c.url+"/c")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}
	})
	a := startService(t, "A", func(s *service, w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 2; i++ {
			resp, err := Get(siteAB, r, b.url+"/b")
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}
	})
	get(t, a.url+"/a")
	kAB := urlKey(siteAB.ID, "GET", b.url+"/b")
	kBC := urlKey(siteBC.ID, "GET", c.url+"/c")
	var got []string
	for _, e := range coord.exchanges() {
		if e.path == "/filibuster/create" {
			got = append(got, e.body["execution_index"].(string))
		}
	}
	want := []string{ei(kAB, 1), ei(kAB, 1, kBC, 1), ei(kAB, 1, kBC, 2), ei(kAB, 2), ei(kAB, 2, kBC, 1), ei(kAB, 2, kBC, 2)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("execution indexes\n got %v\nwant %v", got, want)
	}
}
