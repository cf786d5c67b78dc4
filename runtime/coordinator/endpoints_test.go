package coordinator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func do(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return resp.StatusCode, m
}

// TestBadPayloads checks that malformed requests get 400 with a message and leave the
// coordinator working.
func TestBadPayloads(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	for _, tc := range []struct{ method, path, body, want string }{
		{"PUT", "/filibuster/create", "not json", "malformed JSON"},
		{"PUT", "/filibuster/create", `{"module": "net/http"}`, `"execution_index"`},
		{"POST", "/filibuster/update", `{"instrumentation_type": "invocation_complete"}`, `"generated_id"`},
		{"POST", "/filibuster/update", `{"instrumentation_type": "invocation_complete", "generated_id": "x"}`, "not an integer"},
		{"POST", "/filibuster/update", `{"instrumentation_type": "invocation_complete", "generated_id": 7}`, "unknown generated_id 7"},
	} {
		code, m := do(t, srv, tc.method, tc.path, tc.body)
		if code != http.StatusBadRequest || !strings.Contains(m["error"].(string), tc.want) {
			t.Errorf("%s %s %s: %d %v, want 400 mentioning %q", tc.method, tc.path, tc.body, code, m, tc.want)
		}
	}
	// Still working: a create and its updates, generated_id as a number or a string.
	code, m := do(t, srv, "PUT", "/filibuster/create", `{"execution_index": "[[\"k\", 1]]", "module": "net/http", "method": "GET", "source_service_name": "a", "vclock": {"a": 1}, "origin_vclock": {}, "metadata": {}, "args": ["1/x"]}`)
	if code != 200 || m["generated_id"] != 0.0 || m["execution_index"] != `[["k", 1]]` {
		t.Fatalf("create: %d %v", code, m)
	}
	for _, id := range []string{`"0"`, `0`} {
		if code, _ := do(t, srv, "POST", "/filibuster/update", `{"instrumentation_type": "request_received", "generated_id": `+id+`, "target_service_name": "b"}`); code != 200 {
			t.Errorf("update with generated_id %s: %d", id, code)
		}
	}
	if code, m := do(t, srv, "GET", "/health-check", ""); code != 200 || m["status"] != "OK" {
		t.Errorf("health check: %d %v", code, m)
	}
	_, m = do(t, srv, "GET", "/filibuster/new-test-execution/a", "")
	_, m2 := do(t, srv, "GET", "/filibuster/new-test-execution/a", "")
	if m["new-test-execution"] != true || m2["new-test-execution"] != false {
		t.Errorf("new-test-execution: %v then %v, want true then false", m, m2)
	}
}

// TestMalformedCounterexample checks that replaying a bad counterexample is an error
// naming the file, not a crash.
func TestMalformedCounterexample(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"notjson.json":  `{`,
		"badinner.json": `{"functional_test": "x", "TestExecution": "nope"}`,
		"nofault.json":  `{"functional_test": "x", "TestExecution": "{\"failures\": [{\"execution_index\": \"[]\"}]}"}`,
		"missing.json":  "",
	} {
		path := filepath.Join(dir, name)
		if content != "" {
			os.WriteFile(path, []byte(content), 0o644)
		}
		c := New(Options{Replay: path, FunctionalTest: func(context.Context) (bool, error) { return true, nil }})
		if _, err := c.Explore(context.Background()); err == nil || !strings.Contains(err.Error(), "counterexample") {
			t.Errorf("%s: err = %v, want a counterexample error", name, err)
		}
	}
}

// TestUpdates checks POST /filibuster/updates, the reports that travelled with the
// responses: each is merged as by /filibuster/update, in order; one that cannot be is
// named in a 400 answer, and the others are merged all the same.
func TestUpdates(t *testing.T) {
	c := New(Options{})
	srv := httptest.NewServer(c)
	defer srv.Close()
	if code, m := do(t, srv, "POST", "/filibuster/updates", "{}"); code != http.StatusBadRequest || !strings.Contains(m["error"].(string), "malformed JSON") {
		t.Errorf("an object: %d %v, want 400", code, m)
	}
	do(t, srv, "PUT", "/filibuster/create", `{"execution_index": "[[\"k\", 1]]", "module": "net/http", "method": "GET", "source_service_name": "a", "vclock": {"a": 1}, "origin_vclock": {}, "metadata": {}, "args": ["1/x"]}`)
	code, m := do(t, srv, "POST", "/filibuster/updates", `[
		{"instrumentation_type": "request_received", "generated_id": "0", "execution_index": "[[\"k\", 1]]", "target_service_name": "b"},
		{"instrumentation_type": "request_received", "generated_id": 5, "target_service_name": "c"},
		null,
		{"instrumentation_type": "invocation_complete", "generated_id": 0, "execution_index": "[[\"k\", 1]]", "return_value": {"__class__": "Response", "status_code": "200", "text": "d41d8cd98f00b204e9800998ecf8427e"}}
	]`)
	if code != http.StatusBadRequest || !strings.Contains(m["error"].(string), "report 1: unknown generated_id 5") || !strings.Contains(m["error"].(string), "report 2: not a JSON object") {
		t.Errorf("updates: %d %v, want 400 naming reports 1 and 2", code, m)
	}
	e := c.lanes[0].log[0]
	if !e.received || e.target != "b" || e.status != "200" || e.fields["instrumentation_type"] != "invocation_complete" {
		t.Errorf("call 0 after the updates: received %t, target %q, status %q, fields %v", e.received, e.target, e.status, e.fields)
	}
}
