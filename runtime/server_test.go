package runtime

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWrapTwiceReportsOnce serves a handler wrapped twice (as registered on a mux and
// served through a wrapped server) and checks one request_received per request.
func TestWrapTwiceReportsOnce(t *testing.T) {
	coord := startCoordinator(t)
	SetDefaultServiceName("svc")
	inner := HandlerFunc(Site{ID: "h1"}, func(w http.ResponseWriter, r *http.Request) {
		if fromContext(r.Context()) == nil {
			t.Error("the handler's context has no Filibuster state")
		}
	})
	mux := http.NewServeMux()
	mux.HandleFunc("/", inner)
	srv := httptest.NewServer(Handler(Site{ID: "h2"}, mux))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set(headerEI, `[["k", 1]]`)
	req.Header.Set(headerGeneratedID, "7")
	req.Header.Set(headerVClock, `{"a": 1}`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var received []exchange
	for _, e := range coord.exchanges() {
		if e.body["instrumentation_type"] == "request_received" {
			received = append(received, e)
		}
	}
	if len(received) != 1 || received[0].body["generated_id"] != "7" || received[0].body["target_service_name"] != "svc" {
		t.Errorf("request_received updates: %v, want one for generated_id 7 from svc", received)
	}
}

// TestForcedSleep checks that a handler sleeps as the caller's header asks.
func TestForcedSleep(t *testing.T) {
	startCoordinator(t)
	srv := httptest.NewServer(Handler(Site{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set(headerForcedSleep, "0.2")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("handler answered after %v, want at least the forced 200ms", d)
	}
}

// TestResponseWriterInterfaces checks that wrapped handlers see the server's own
// ResponseWriter, with its optional interfaces.
func TestResponseWriterInterfaces(t *testing.T) {
	startCoordinator(t)
	srv := httptest.NewServer(Handler(Site{}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, flusher := w.(http.Flusher)
		_, hijacker := w.(http.Hijacker)
		_, readerFrom := w.(io.ReaderFrom)
		if !flusher || !hijacker || !readerFrom {
			t.Errorf("ResponseWriter lost interfaces: Flusher %t Hijacker %t ReaderFrom %t", flusher, hijacker, readerFrom)
		}
	})))
	defer srv.Close()
	get(t, srv.URL)
}

// TestHandlerFuncKeepsType checks that HandlerFunc returns the named func type it got.
func TestHandlerFuncKeepsType(t *testing.T) {
	type myHandler func(http.ResponseWriter, *http.Request)
	var h myHandler = func(http.ResponseWriter, *http.Request) {}
	var wrapped myHandler = HandlerFunc(Site{}, h)
	if wrapped == nil {
		t.Fatal("nil")
	}
	var std http.HandlerFunc = HandlerFunc(Site{}, http.HandlerFunc(h))
	if std == nil || HandlerFunc[http.HandlerFunc](Site{}, nil) != nil {
		t.Error("HandlerFunc of nil is not nil")
	}
	if Handler(Site{}, nil).(*handler).next != http.DefaultServeMux {
		t.Error("Handler(nil) does not serve http.DefaultServeMux")
	}
	srv := &http.Server{}
	if Server(Site{}, Server(Site{}, srv)) != srv || srv.Handler.(*handler).next != http.DefaultServeMux {
		t.Error("Server does not wrap srv.Handler once")
	}
}

// TestCounterexampleReplay replays a counterexample with no coordinator: the call at
// the listed execution index fails as listed, and nothing contacts a coordinator.
func TestCounterexampleReplay(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	key := urlKey(siteRoot.ID, "GET", srv.URL+"/x")
	path := filepath.Join(t.TempDir(), "counterexample.json")
	ei := `[[\"` + key + `\", 2]]`
	te := `{"failures": [{"execution_index": "` + ei + `", "failure_metadata": {"return_value": {"status_code": "404"}}}], "response_log": [{"execution_index": "` + ei + `", "target_service_name": "bookings", "fault_injection": true}]}`
	content := `{"functional_test": "true", "TestExecution": ` + jsonString(te) + `}`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	useEnv(t, "FILIBUSTER_URL", "")
	useEnv(t, "FILIBUSTER_COUNTEREXAMPLE_FILE", path)
	var codes []int
	for i := 0; i < 3; i++ {
		resp, err := Get(siteRoot, nil, srv.URL+"/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 200 || codes[1] != 404 || codes[2] != 200 || hits != 2 {
		t.Errorf("statuses %v with %d calls sent, want [200 404 200] and 2", codes, hits)
	}
	if !WasFaultInjected() {
		t.Error("WasFaultInjected is false while replaying a failing counterexample")
	}
	if !WasFaultInjectedOn("bookings") || WasFaultInjectedOn("movies") {
		t.Errorf("WasFaultInjectedOn: bookings %t, movies %t; want true, false (the counterexample's target)",
			WasFaultInjectedOn("bookings"), WasFaultInjectedOn("movies"))
	}

	// The reference instrumentation's name for the variable works too.
	useEnv(t, "FILIBUSTER_COUNTEREXAMPLE_FILE", "")
	useEnv(t, "COUNTEREXAMPLE_FILE", path)
	if !WasFaultInjectedOn("bookings") {
		t.Error("COUNTEREXAMPLE_FILE is not read")
	}

	os.WriteFile(path, []byte(`{"TestExecution": "not json"}`), 0o644)
	reset()
	if current().active {
		t.Error("a malformed counterexample left the runtime active")
	}
}

func jsonString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		if r == '"' || r == '\\' {
			b = append(b, '\\')
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
