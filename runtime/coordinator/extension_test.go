package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// doWith is do with one request header.
func doWith(t *testing.T, srv *httptest.Server, method, path, body, key, value string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set(key, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// createBody is a create payload for the call keyed k of service a, naming execution
// unless it is "".
func createBody(k, execution string) string {
	body := fmt.Sprintf(`{"execution_index": "[[\"%s\", 1]]", "module": "net/http", "method": "GET", "source_service_name": "a",
		"vclock": {"a": 1}, "origin_vclock": {}, "metadata": {}, "args": ["1/%s"]`, k, k)
	if execution != "" {
		body += `, "execution": ` + execution
	}
	return strings.ReplaceAll(body+"}", "\n", " ")
}

// TestExtensionAnswers checks the execution extension's answers (protocol.md,
// "Extensions our coordinator advertises"): new-test-execution names the execution only
// to a runtime that asks; a create naming another execution is answered with the
// current one and not recorded; one naming the current one is recorded without it; and
// the callee's request_received, or its absence, counts as without the extension.
func TestExtensionAnswers(t *testing.T) {
	for _, tc := range []struct {
		name       string
		received   string // how the callee's receipt is reported
		executions int
	}{
		{"request_received", "request_received", 3}, // the fault-free run, ECONNREFUSED, 503
		{"not reported", "", 2},                     // no error response for a callee that never said
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *Coordinator
			var srv *httptest.Server
			var ids []float64
			test := func(ctx context.Context) (bool, error) {
				if m := doWith(t, srv, "GET", "/filibuster/new-test-execution/a", "", "X-Filibuster-Other", "x"); !reflect.DeepEqual(m, map[string]any{"new-test-execution": true}) {
					t.Errorf("new-test-execution, not asked for the extension: %v, want the reference's answer", m)
				}
				m := doWith(t, srv, "GET", "/filibuster/new-test-execution/b", "", "X-Filibuster-Extensions", "other, execution")
				id, ok := m["execution"].(float64)
				if !ok || m["new-test-execution"] != true {
					t.Fatalf("new-test-execution, asked for the extension: %v, want true and the execution", m)
				}
				ids = append(ids, id)
				stale := fmt.Sprint(id - 1)
				if _, m := do(t, srv, "PUT", "/filibuster/create", createBody("k", stale)); !reflect.DeepEqual(m, map[string]any{"new-test-execution": true, "execution": id}) {
					t.Errorf("create naming execution %s in execution %v: %v, want the current one", stale, id, m)
				}
				_, m = do(t, srv, "PUT", "/filibuster/create", createBody("k", fmt.Sprint(id)))
				if m["generated_id"] != 0.0 {
					t.Fatalf("create naming the current execution: %v, want generated_id 0 (the stale one recorded nothing)", m)
				}
				if m["forced_exception"] != nil || m["failure_metadata"] != nil {
					return true, nil
				}
				complete := `{"instrumentation_type": "invocation_complete", "generated_id": 0, "return_value": {"status_code": "200"}`
				if tc.received == "request_received" {
					do(t, srv, "POST", "/filibuster/update", `{"instrumentation_type": "request_received", "generated_id": "0", "target_service_name": "b"}`)
				}
				if code, m := do(t, srv, "POST", "/filibuster/update", complete+"}"); code != http.StatusOK {
					t.Errorf("invocation_complete: %d %v", code, m)
				}
				return true, nil
			}
			c = New(Options{Analysis: oneError(t), FunctionalTest: test})
			srv = httptest.NewServer(c)
			defer srv.Close()
			s, err := c.Explore(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if s.ExecutionsRan != tc.executions {
				t.Errorf("%d executions, want %d", s.ExecutionsRan, tc.executions)
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] <= ids[i-1] {
					t.Errorf("executions named %v: not one id each", ids)
				}
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			first := c.done[0].log
			if len(first) != 1 {
				t.Fatalf("the first execution logged %d calls, want 1", len(first))
			}
			if _, ok := first[0].fields["execution"]; ok {
				t.Errorf("the log keeps the create's execution: %v", first[0].fields)
			}
			if want := tc.received != ""; first[0].received != want || (want && first[0].target != "b") {
				t.Errorf("the call: received %t, target %q; want %t, %q", first[0].received, first[0].target, want, "b")
			}
		})
	}
}

// TestExtensionMalformedExecution checks that a create whose execution is not an
// integer is refused, like the other malformed payloads.
func TestExtensionMalformedExecution(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	defer srv.Close()
	for _, v := range []string{`"1"`, `1.5`, `null`} {
		code, m := do(t, srv, "PUT", "/filibuster/create", createBody("k", v))
		if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(m["error"]), `"execution"`) {
			t.Errorf("create with execution %s: %d %v, want 400 naming the field", v, code, m)
		}
	}
}

// TestExtensionLateReport checks that a request_received or invocation_complete naming
// an execution that is over (its call outlived it) is dropped instead of being merged
// into the call of the current execution that has the same generated_id, and that one
// naming the current execution is merged without its execution.
func TestExtensionLateReport(t *testing.T) {
	var srv *httptest.Server
	var logged []*entry
	test := func(ctx context.Context) (bool, error) {
		m := doWith(t, srv, "GET", "/filibuster/new-test-execution/a", "", "X-Filibuster-Extensions", "execution")
		id := fmt.Sprint(m["execution"])
		_, m = do(t, srv, "PUT", "/filibuster/create", createBody("k", id))
		if m["generated_id"] != 0.0 {
			t.Fatalf("create: %v", m)
		}
		for _, late := range []string{
			`{"instrumentation_type": "request_received", "generated_id": "0", "target_service_name": "old", "execution": 999}`,
			`{"instrumentation_type": "invocation_complete", "generated_id": 0, "return_value": {"status_code": "500"}, "execution": 999}`,
		} {
			if code, m := do(t, srv, "POST", "/filibuster/update", late); code != http.StatusOK {
				t.Errorf("late report: %d %v, want 200", code, m)
			}
		}
		do(t, srv, "POST", "/filibuster/update", `{"instrumentation_type": "invocation_complete", "generated_id": 0, "return_value": {"status_code": "200"}, "execution": `+id+`}`)
		return true, nil
	}
	c := New(Options{Analysis: oneError(t), FunctionalTest: test, OnlyInitial: true})
	srv = httptest.NewServer(c)
	defer srv.Close()
	if _, err := c.Explore(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	logged = c.done[0].log
	c.mu.Unlock()
	e := logged[0]
	if e.received || e.target != "" || e.status != "200" {
		t.Errorf("the call: received %t, target %q, status %q; want the late reports dropped and status 200", e.received, e.target, e.status)
	}
	if _, ok := e.fields["execution"]; ok {
		t.Errorf("the log keeps a report's execution: %v", e.fields)
	}
}
