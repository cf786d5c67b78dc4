package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// TestMixedPython explores cinema-3-mixed, cinema-3 with its bookings and movies
// services in Python (instrumented by the example's pyfilibuster, which speaks the
// protocol as the reference's requests/Flask instrumentation does) and its users
// service in Go (instrumented by the generator), with one analysis file: the Go
// services' rules from the static analysis, the Python services' from the
// reference-format file the config includes. With and without dynamic reduction it must
// give the reference's counts (its recorded exploration of cinema-3, which are the
// paper's), pass with every fault landing, and run the reference's executions in the
// reference's order: the same faults on the same calls, Go's fault names standing for
// Python's.
func TestMixedPython(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	dir := filepath.Join("..", "examples", "cinema-3-mixed")
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	requireCommands(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	app, err := Prepare(ctx, BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	for _, tc := range []struct {
		reduction bool
		reference string
		expected  int
	}{
		{false, "cinema-3-nodr.json", cfg.Expected.WithoutReduction},
		{true, "cinema-3-dr.json", cfg.Expected.WithReduction},
	} {
		t.Run(fmt.Sprintf("reduction=%t", tc.reduction), func(t *testing.T) {
			ref := readTranscript(t, filepath.Join("..", "testdata", "conformance", tc.reference))
			if ref.Summary.ExecutionsRan != tc.expected {
				t.Errorf("%s: the reference ran %d executions; filibuster.json expects %d", tc.reference, ref.Summary.ExecutionsRan, tc.expected)
			}
			var trace bytes.Buffer
			summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: tc.reduction, Trace: &trace})
			if err != nil {
				t.Fatal(err)
			}
			if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 || summary.Passed != summary.ExecutionsRan {
				t.Errorf("failed %t, unreached %v, %d nondeterministic, %d of %d passed; want a pass with every fault landing",
					summary.Failed, summary.Unreached, summary.Diverged, summary.Passed, summary.ExecutionsRan)
			}
			if summary.ExecutionsRan != ref.Summary.ExecutionsRan || summary.Pruned != ref.Summary.Pruned {
				t.Errorf("%d executions ran, %d pruned; the reference: %d ran, %d pruned",
					summary.ExecutionsRan, summary.Pruned, ref.Summary.ExecutionsRan, ref.Summary.Pruned)
			}

			exchanges := parseTrace(t, trace.Bytes())
			checkPythonCalls(t, exchanges)

			got := splitExecutions(exchanges)
			if len(got) != summary.ExecutionsRan {
				t.Fatalf("the trace holds %d executions, the summary says %d", len(got), summary.ExecutionsRan)
			}
			for i := range min(len(got), len(ref.Executions)) {
				g, w := injectedFaults(got[i]), injectedFaults(ref.Executions[i].Exchanges)
				if !slices.Equal(g, w) {
					t.Errorf("execution %d injects %v; the reference's %v", i+1, g, w)
				}
			}
		})
	}
}

// checkPythonCalls checks what the trace says of the Python services: their calls are
// reported as the reference's instrumentation reports them, they report the requests
// they receive, faults are injected on their calls, and the Go caller injects on its
// calls to them the statuses of the included file.
func checkPythonCalls(t *testing.T, exchanges []exchange) {
	t.Helper()
	modules := make(map[string]map[string]bool) // source service -> "module.method"
	received := make(map[string]bool)
	injected := make(map[string]map[string]bool) // source service -> faults injected on its calls
	var raised []string                          // exceptions bookings reported
	for _, x := range exchanges {
		var req struct {
			Type      string `json:"instrumentation_type"`
			Source    string `json:"source_service_name"`
			Target    string `json:"target_service_name"`
			Module    string `json:"module"`
			Method    string `json:"method"`
			Exception *struct {
				Name string `json:"name"`
			} `json:"exception"`
		}
		if json.Unmarshal(x.Request, &req) != nil {
			continue
		}
		switch {
		case x.Path == "/filibuster/create":
			if modules[req.Source] == nil {
				modules[req.Source] = make(map[string]bool)
				injected[req.Source] = make(map[string]bool)
			}
			modules[req.Source][req.Module+"."+req.Method] = true
			if f := faultOf(x.Response); f != "" {
				injected[req.Source][f] = true
			}
		case req.Type == "request_received":
			received[req.Target] = true
		case req.Type == "invocation_complete" && req.Exception != nil:
			raised = append(raised, req.Exception.Name)
		}
	}
	if !onlyKey(modules["bookings"], "requests.get") {
		t.Errorf("bookings's calls were reported as %v; want only requests.get", keys(modules["bookings"]))
	}
	if !onlyKey(modules["users"], "net/http.GET") {
		t.Errorf("users's calls were reported as %v; want only net/http.GET", keys(modules["users"]))
	}
	for _, s := range []string{"bookings", "movies"} {
		if !received[s] {
			t.Errorf("the Python service %s never reported a request it received", s)
		}
	}
	// On the Python caller: the reference's exceptions and movies's statuses.
	for _, f := range []string{"requests.exceptions.ConnectionError", "requests.exceptions.Timeout", "status 500", "status 404"} {
		if !injected["bookings"][f] {
			t.Errorf("no %s injected on bookings's calls to movies (injected: %v)", f, keys(injected["bookings"]))
		}
	}
	if !slices.Contains(raised, "requests.exceptions.Timeout") || !slices.Contains(raised, "requests.exceptions.ConnectionError") {
		t.Errorf("the exceptions reported as raised are %v; want the injected requests exceptions among them", raised)
	}
	// On the Go caller of a Python service: Go's exceptions and the statuses of
	// bookings, which only the included file lists.
	for _, f := range []string{"syscall.ECONNREFUSED", "context.DeadlineExceeded", "status 500", "status 404", "status 503"} {
		if !injected["users"][f] {
			t.Errorf("no %s injected on users's calls to bookings (injected: %v)", f, keys(injected["users"]))
		}
	}
}

// onlyKey reports whether m holds exactly k.
func onlyKey(m map[string]bool, k string) bool {
	return len(m) == 1 && m[k]
}

// keys returns m's keys, sorted.
func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// exchange is one request to the coordinator and its answer, as in the trace and the
// conformance transcripts.
type exchange struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

// transcript is the part of a conformance transcript the test compares with.
type transcript struct {
	Summary struct {
		ExecutionsRan int `json:"executions_ran"`
		Pruned        int `json:"pruned"`
	} `json:"summary"`
	Executions []struct {
		Exchanges []exchange `json:"exchanges"`
	} `json:"executions"`
}

func readTranscript(t *testing.T, path string) *transcript {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tr transcript
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	return &tr
}

// parseTrace reads a coordinator trace (coordinator.Trace) in the reference protocol's
// terms (see referenceForm).
func parseTrace(t *testing.T, data []byte) []exchange {
	t.Helper()
	var xs []exchange
	sc := bufio.NewScanner(bytes.NewReader(referenceForm(t, data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var x exchange
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		xs = append(xs, x)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return xs
}

// referenceForm returns a coordinator trace with the extensions (protocol.md,
// "Extensions our coordinator advertises") read back as the reference would have seen
// it: a stale create, answered {"new-test-execution": true, ...}, becomes the
// new-test-execution it stands for, the reports that travelled with the responses and
// came in one POST /filibuster/updates become one POST /filibuster/update each (where
// they arrived, not where the reference's would have), and the "execution" keys are
// dropped.
func referenceForm(t *testing.T, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	var xs []exchange
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var x exchange
		if err := json.Unmarshal(line, &x); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		if x.Path != "/filibuster/updates" {
			xs = append(xs, x)
			continue
		}
		var reports []json.RawMessage
		if err := json.Unmarshal(x.Request, &reports); err != nil {
			t.Fatalf("trace line %q: %v", line, err)
		}
		for _, r := range reports {
			xs = append(xs, exchange{Method: x.Method, Path: "/filibuster/update", Request: r, Response: json.RawMessage("{}")})
		}
	}
	for _, x := range xs {
		var req, resp map[string]any
		json.Unmarshal(x.Request, &req)
		json.Unmarshal(x.Response, &resp)
		if _, ok := resp["execution"]; ok {
			if x.Path == "/filibuster/create" {
				x = exchange{Method: http.MethodGet, Path: "/filibuster/new-test-execution/" + fmt.Sprint(req["source_service_name"]),
					Response: json.RawMessage(`{"new-test-execution": true}`)}
			} else {
				delete(resp, "execution")
				x.Response, _ = json.Marshal(resp)
			}
		}
		if _, ok := req["execution"]; ok {
			delete(req, "execution")
			x.Request, _ = json.Marshal(req)
		}
		data, _ := json.Marshal(x)
		out.Write(append(data, '\n'))
	}
	return out.Bytes()
}

// splitExecutions splits a trace into test executions: each starts when the entry
// service, users, learns that a new test execution has begun (its first call of the
// execution; the functional test calls only users).
func splitExecutions(xs []exchange) [][]exchange {
	var execs [][]exchange
	for _, x := range xs {
		if x.Path == "/filibuster/new-test-execution/users" && strings.Contains(string(x.Response), "true") {
			execs = append(execs, nil)
		}
		if len(execs) > 0 {
			execs[len(execs)-1] = append(execs[len(execs)-1], x)
		}
	}
	return execs
}

// injectedFaults describes the faults an execution's create answers inject, in order:
// the calling service, the call's path (its port left out), the counts of its
// execution index, and the fault, with Go's names for the reference's exceptions.
func injectedFaults(xs []exchange) []string {
	var fs []string
	for _, x := range xs {
		if x.Path != "/filibuster/create" {
			continue
		}
		f := faultOf(x.Response)
		if f == "" {
			continue
		}
		var req struct {
			Source string   `json:"source_service_name"`
			Args   []string `json:"args"`
			EI     string   `json:"execution_index"`
		}
		json.Unmarshal(x.Request, &req)
		path := ""
		if len(req.Args) > 0 {
			_, path, _ = strings.Cut(req.Args[0], "/")
		}
		var ei [][2]any
		json.Unmarshal([]byte(req.EI), &ei)
		var counts []string
		for _, p := range ei {
			counts = append(counts, fmt.Sprint(p[1]))
		}
		if f == "requests.exceptions.ConnectionError" {
			f = "syscall.ECONNREFUSED"
		}
		if f == "requests.exceptions.Timeout" {
			f = "context.DeadlineExceeded"
		}
		fs = append(fs, fmt.Sprintf("%s /%s [%s] %s", req.Source, path, strings.Join(counts, " "), f))
	}
	return fs
}

// faultOf returns the fault a create answer injects: the exception's name, or "status
// N"; "" when it injects none.
func faultOf(resp json.RawMessage) string {
	var r struct {
		Exception *struct {
			Name string `json:"name"`
		} `json:"forced_exception"`
		Failure *struct {
			ReturnValue struct {
				StatusCode any `json:"status_code"`
			} `json:"return_value"`
		} `json:"failure_metadata"`
	}
	if json.Unmarshal(resp, &r) != nil {
		return ""
	}
	switch {
	case r.Exception != nil:
		return r.Exception.Name
	case r.Failure != nil:
		return fmt.Sprintf("status %v", r.Failure.ReturnValue.StatusCode)
	}
	return ""
}

// requireCommands skips the test when a program one of cfg's services is run with is
// not installed (python3 for cinema-3-mixed), and fails it instead on CI (CI=true),
// where every example must run.
func requireCommands(t *testing.T, cfg *deploy.Config) {
	t.Helper()
	for _, s := range cfg.Services {
		if len(s.Command) == 0 {
			continue
		}
		if _, err := exec.LookPath(s.Command[0]); err != nil {
			msg := fmt.Sprintf("%s: service %s needs %s, which is not installed: %v", cfg.Name, s.Name, s.Command[0], err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// TestConfigCommand checks what a config may say of services run by a command.
func TestConfigCommand(t *testing.T) {
	for _, tc := range []struct {
		services, extra string
		err             string // "" for a valid config
	}{
		{`{"name": "a", "command": ["python3", "a.py"]}, {"name": "b", "package": "./b"}`, ``, ""},
		{`{"name": "a"}`, ``, "no package and no command"},
		{`{"name": "a", "package": "./a", "command": ["a"]}`, ``, "both a package and a command"},
		{`{"name": "a", "package": "./a"}`, `"analysis_file": "x.json", "analysis_include": ["y.json"],`, "analysis_file and analysis_include"},
	} {
		dir := t.TempDir()
		cfg := fmt.Sprintf(`{"services": [%s], %s "entry": "a", "functional_test": "./f"}`, tc.services, tc.extra)
		if err := os.WriteFile(filepath.Join(dir, deploy.ConfigFile), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := deploy.LoadConfig(dir)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", cfg, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one saying %q", cfg, err, tc.err)
		}
	}
}

// TestMixedPythonForcedSleep explores cinema-3-mixed with a fault the reference's
// analysis files can ask for but cinema-3's does not: a timeout with abort false and a
// sleep, on the Python caller. The call must still be sent, carrying
// X-Filibuster-Forced-Sleep, so that the Python callee sleeps before answering, and the
// caller must fail all the same and report the fault's metadata.
func TestMixedPythonForcedSleep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	dir := filepath.Join("..", "examples", "cinema-3-mixed")
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	requireCommands(t, cfg)
	analysisFile := filepath.Join(t.TempDir(), "analysis.json")
	err = os.WriteFile(analysisFile, []byte(`{"python.requests": {"pattern": "requests\\.get", "exceptions": [
		{"name": "requests.exceptions.Timeout", "metadata": {"abort": false, "sleep": 1}, "restrictions": "timeout"}]}}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	app, err := Prepare(ctx, BuildOptions{Dir: dir, AnalysisFile: analysisFile})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var trace bytes.Buffer
	summary, err := app.Explore(ctx, ExploreOptions{Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	// The fault on bookings's first call to movies makes users retry; the retry's call
	// is faulted too in a third execution.
	if summary.Failed || len(summary.Unreached) > 0 || summary.ExecutionsRan != 3 {
		t.Errorf("failed %t, unreached %v, %d executions; want a pass with every fault landing in 3",
			summary.Failed, summary.Unreached, summary.ExecutionsRan)
	}
	injected, reported := 0, 0
	for _, x := range parseTrace(t, trace.Bytes()) {
		if x.Path == "/filibuster/create" && faultOf(x.Response) != "" {
			injected++
		}
		var req struct {
			Type      string `json:"instrumentation_type"`
			Exception struct {
				Name     string         `json:"name"`
				Metadata map[string]any `json:"metadata"`
			} `json:"exception"`
		}
		if json.Unmarshal(x.Request, &req) == nil && req.Type == "invocation_complete" && req.Exception.Name != "" {
			if req.Exception.Name != "requests.exceptions.Timeout" || req.Exception.Metadata["abort"] != false || req.Exception.Metadata["sleep"] != 1.0 {
				t.Errorf("bookings reported %s; want the injected timeout with abort false and sleep 1", x.Request)
			}
			reported++
		}
	}
	if injected != 3 || reported != injected {
		t.Errorf("%d faults injected, %d reported complete; want 3 of each", injected, reported)
	}
	log, err := os.ReadFile(filepath.Join(app.WorkDir, "logs", "movies.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "sleeping 1 s (X-Filibuster-Forced-Sleep)"); n != injected {
		t.Errorf("movies slept %d times; want once for each of the %d faulted calls that were sent", n, injected)
	}
}
