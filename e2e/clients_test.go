package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// clientCall is one of the calls repos makes to github for each request, all of them
// made inside x/oauth2 and go-github.
type clientCall struct {
	name   string // "token", "repository", "tags"
	method string
	path   string // the request's path
	line   int    // the line of repos/main.go the call is attributed to
}

// TestClients explores the clients application. Its repos service (gorilla/mux) calls
// github, a stand-in for the GitHub API (an httprouter router under negroni), only
// through a go-github client whose http.Client comes from an x/oauth2
// client-credentials config: a token POST, made inside the transport of go-github's
// first call, and two go-github GETs. With net/http instrumented, each of those calls
// must be reported with the line of repos' own code that led to it, github must report
// receiving them though the generator lists no site of its own, every fault must land,
// and repos must see each fault as the library in the way reports failures: a status
// on the token endpoint as an *oauth2.RetrieveError, a status on the API as a
// *github.ErrorResponse, a refused connection and a timeout as the errors net/http
// gives. repos logs how it saw each failure; the test compares those lines with the
// faults the trace says were injected, execution by execution.
//
// The expected counts of filibuster.json, 19 with and without dynamic reduction: the
// fault-free execution makes the three calls, and the static analysis gives github four
// statuses (500, which any service can answer, and the 400, 401 and 404 its handlers and
// middleware write); with the Go default's two exceptions (ECONNREFUSED, and
// DeadlineExceeded because the calls have the deadline of repos' 5 s context) that is
// six faults for each of the three calls, each scheduled in an execution of its own.
// No execution with a fault makes a call the fault-free one did not (a fault on the
// token or the repository ends the request before the calls that follow it, and the
// tags are the last call), so no combination is scheduled; github calls nothing, so
// dynamic reduction has nothing to prune. 1 + 3×6 = 19.
func TestClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	dir := filepath.Join("..", "examples", "clients")
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Expected == nil {
		t.Fatal("examples/clients has no expected counts")
	}
	src := filepath.Join(dir, "repos", "main.go")
	getLine := lineOf(t, src, "gh.Repositories.Get(")
	calls := []clientCall{
		{"repository", "GET", "/api/v3/repos/filibuster-go/filibuster-gen", getLine},
		{"token", "POST", "/login/oauth/access_token", getLine}, // made inside the repository GET
		{"tags", "GET", "/api/v3/repos/filibuster-go/filibuster-gen/tags", lineOf(t, src, "gh.Repositories.ListTags(")},
	}

	app, err := Prepare(ctx, BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	faults := githubFaults(t, app)

	for _, reduction := range []bool{false, true} {
		name, want := "without-reduction", cfg.Expected.WithoutReduction
		if reduction {
			name, want = "with-reduction", cfg.Expected.WithReduction
		}
		t.Run(name, func(t *testing.T) {
			var trace bytes.Buffer
			summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: reduction, Trace: &trace})
			if err != nil {
				t.Fatal(err)
			}
			if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 ||
				summary.ExecutionsRan != want || summary.Passed != want {
				t.Errorf("failed %t, unreached %v, %d nondeterministic, %d executions, %d passed; want all %d passed with every fault landing",
					summary.Failed, summary.Unreached, summary.Diverged, summary.ExecutionsRan, summary.Passed, want)
			}
			wantSites := map[string]bool{}
			for _, c := range calls {
				wantSites[fmt.Sprintf("repos/main.go:%d", c.line)] = true
			}
			for site := range summary.CallSites {
				if !wantSites[site] {
					t.Errorf("the summary has calls from %s, not one of the lines of repos' own code that call go-github", site)
				}
				delete(wantSites, site)
			}
			for site := range wantSites {
				t.Errorf("the summary has no call from %s", site)
			}
			log, err := os.ReadFile(filepath.Join(app.WorkDir, "logs", "repos.log"))
			if err != nil {
				t.Fatal(err)
			}
			if n := checkClientsTrace(t, trace.Bytes(), log, calls, faults); n != summary.ExecutionsRan {
				t.Errorf("the trace has %d test executions, the summary %d", n, summary.ExecutionsRan)
			}
		})
	}

	// What the generator lists: repos's server, reached through the server hook. It
	// lists no call into go-github or x/oauth2 (it knows only resty's and
	// retryablehttp's), and no site of github's (negroni's Run serves it); any library
	// call it does list must be one the runtime reported, under the manifest's id.
	data, err := os.ReadFile(filepath.Join(app.WorkDir, "generated", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct {
		ID, File, Kind, Callee, Via string
		Line                        int
		Instrumented                bool
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	server := false
	for _, m := range manifest {
		switch {
		case m.Kind == "handler" && m.File == "repos/main.go" && m.Callee == "net/http.ListenAndServe":
			server = m.Instrumented && m.Via == "net/http server hook"
		case m.Kind == "library":
			if !slices.ContainsFunc(calls, func(c clientCall) bool { return c.line == m.Line }) ||
				m.File != "repos/main.go" || m.ID != runtime.LibrarySiteID(m.File, m.Line) {
				t.Errorf("the manifest lists a library call at %s:%d (id %s) that no call was reported from with that id", m.File, m.Line, m.ID)
			}
		}
	}
	if !server {
		t.Errorf("the manifest does not list repos's http.ListenAndServe as reached through the net/http server hook: %s", data)
	}
}

// checkClientsTrace checks one exploration of examples/clients from its coordinator
// trace and repos' log (see TestClients): every call is one of calls, reported from its
// line with its library site id; github reports receiving each of them and, in the
// fault-free execution, answers each with 200; each call gets every fault in faults;
// and each execution with a fault has one line in repos' log, saying the failure as
// the library reports that fault. It returns the number of test executions in the
// trace.
func checkClientsTrace(t *testing.T, trace, log []byte, calls []clientCall, faults []string) int {
	t.Helper()
	type execution struct {
		calls  []string // the calls made, in the order they were reported
		faults []string // "call fault" for each fault injected
		status map[string]string
	}
	var execs []*execution
	byIndex := make(map[string]string) // execution index -> call
	received := make(map[string]bool)  // calls github reported receiving
	injected := make(map[string][]string)
	for _, line := range bytes.Split(referenceForm(t, trace), []byte("\n")) {
		var x struct {
			Path     string         `json:"path"`
			Request  map[string]any `json:"request"`
			Response map[string]any `json:"response"`
		}
		if json.Unmarshal(line, &x) != nil {
			continue
		}
		if x.Path == "/filibuster/new-test-execution/repos" && x.Response["new-test-execution"] == true {
			execs = append(execs, &execution{status: make(map[string]string)})
		}
		if x.Request == nil || len(execs) == 0 {
			continue
		}
		cur := execs[len(execs)-1]
		ei, _ := x.Request["execution_index"].(string)
		switch {
		case x.Path == "/filibuster/create":
			c, ok := findCall(calls, x.Request)
			if !ok {
				t.Errorf("execution %d: a call that is none of repos' three: %v", len(execs), x.Request)
				continue
			}
			site := fmt.Sprintf("%v:%v", x.Request["callsite_file"], x.Request["callsite_line"])
			if want := fmt.Sprintf("repos/main.go:%d", c.line); site != want || x.Request["source_service_name"] != "repos" {
				t.Errorf("the %s call is reported from %v at %s; want repos at %s", c.name, x.Request["source_service_name"], site, want)
			}
			if id := runtime.LibrarySiteID("repos/main.go", c.line); x.Request["full_traceback"] != id {
				t.Errorf("the %s call is reported with site id %v; want the library site id of its line, %s", c.name, x.Request["full_traceback"], id)
			}
			byIndex[ei] = c.name
			cur.calls = append(cur.calls, c.name)
			if f := injectedFault(x.Response); f != "" {
				cur.faults = append(cur.faults, c.name+" "+f)
				injected[c.name] = append(injected[c.name], f)
			}
		case x.Request["instrumentation_type"] == "request_received":
			if x.Request["target_service_name"] != "github" {
				t.Errorf("a request received by %v; only github is called", x.Request["target_service_name"])
			}
			received[byIndex[ei]] = true
		case x.Request["instrumentation_type"] == "invocation_complete":
			if rv, ok := x.Request["return_value"].(map[string]any); ok {
				cur.status[byIndex[ei]], _ = rv["status_code"].(string)
			}
		}
	}
	if len(execs) == 0 {
		t.Error("the trace has no test execution")
		return 0
	}

	// The fault-free execution: the token is fetched inside the repository GET, after
	// the GET is reported and before it completes, and github, through its negroni
	// middleware (which wants a token it issued) and its router, answers all three.
	if want := []string{"repository", "token", "tags"}; !slices.Equal(execs[0].calls, want) || len(execs[0].faults) > 0 {
		t.Errorf("the fault-free execution made the calls %v with faults %v; want %v, no fault", execs[0].calls, execs[0].faults, want)
	}
	for _, c := range calls {
		if !received[c.name] {
			t.Errorf("github never reported receiving the %s call (served through negroni and httprouter)", c.name)
		}
		if got := execs[0].status[c.name]; got != "200" {
			t.Errorf("in the fault-free execution github answered the %s call with status %q; want 200", c.name, got)
		}
		got := slices.Sorted(slices.Values(injected[c.name]))
		if !slices.Equal(got, faults) {
			t.Errorf("faults injected on the %s call: %v; want each of %v once", c.name, got, faults)
		}
	}

	// Each execution with a fault must have logged, in order, how repos saw it.
	var want []string
	for i, e := range execs {
		switch len(e.faults) {
		case 0:
		case 1:
			want = append(want, seenAs(e.faults[0]))
		default:
			t.Errorf("execution %d injected %v; every fault was to be explored alone", i+1, e.faults)
		}
	}
	got := seenFailures(log)
	if !slices.Equal(got, want) {
		t.Errorf("repos saw the failures\n\t%s\nwant, for the faults injected,\n\t%s",
			strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	return len(execs)
}

// findCall returns the call of calls that a create request reports.
func findCall(calls []clientCall, req map[string]any) (clientCall, bool) {
	args, _ := req["args"].([]any)
	if len(args) != 1 {
		return clientCall{}, false
	}
	target, _ := args[0].(string) // "port/path"
	_, path, _ := strings.Cut(target, "/")
	for _, c := range calls {
		if req["method"] == c.method && "/"+path == c.path {
			return c, true
		}
	}
	return clientCall{}, false
}

// injectedFault returns the fault a create answer injects, as githubFaults names it,
// or "".
func injectedFault(answer map[string]any) string {
	if f, ok := answer["forced_exception"].(map[string]any); ok {
		return fmt.Sprint(f["name"])
	}
	if m, ok := answer["failure_metadata"].(map[string]any); ok {
		rv, _ := m["return_value"].(map[string]any)
		return fmt.Sprintf("status %v", rv["status_code"])
	}
	return ""
}

// githubFaults returns the faults every call to github is to get, sorted: a status
// for each code the analysis gives github, and the exceptions of its net/http rule.
func githubFaults(t *testing.T, app *App) []string {
	t.Helper()
	var faults []string
	for _, r := range app.Analysis.Rules {
		if r.Name != "net/http" {
			continue
		}
		for _, e := range r.Rule.Exceptions {
			faults = append(faults, e.Name)
		}
		for _, e := range r.Rule.Errors {
			if e.ServiceName != "^github$" {
				continue
			}
			for _, raw := range e.Types {
				var typ struct {
					ReturnValue struct {
						StatusCode string `json:"status_code"`
					} `json:"return_value"`
				}
				if err := json.Unmarshal(raw, &typ); err != nil {
					t.Fatalf("an error type of github in the analysis: %v", err)
				}
				faults = append(faults, "status "+typ.ReturnValue.StatusCode)
			}
		}
	}
	if !slices.Contains(faults, "status 404") || !slices.Contains(faults, "syscall.ECONNREFUSED") {
		t.Fatalf("the analysis gives github's calls the faults %v; want its 404 and ECONNREFUSED among them", faults)
	}
	slices.Sort(faults)
	return faults
}

// seenAs is the failure repos must log for fault ("call fault", as checkClientsTrace
// records it): how x/oauth2 and go-github report it, for the go-github call it happens
// in ("repository" for the token, fetched inside that call), marked "(token)" when the
// error is the token's.
func seenAs(fault string) string {
	call, f, _ := strings.Cut(fault, " ")
	var how string
	switch {
	case f == "syscall.ECONNREFUSED":
		how = "connection refused"
	case f == "context.DeadlineExceeded":
		how = "timeout"
	case strings.HasPrefix(f, "status ") && call == "token":
		how = "oauth2.RetrieveError " + strings.TrimPrefix(f, "status ")
	case strings.HasPrefix(f, "status "):
		how = "github.ErrorResponse " + strings.TrimPrefix(f, "status ")
	default:
		how = "unknown fault " + f
	}
	if call == "token" {
		return "repository: " + how + " (token)"
	}
	return call + ": " + how
}

// seenFailures returns the failures of GitHub calls repos logged, in order, as
// "call: how", with " (token)" when the error is the token's: its message names the
// token endpoint, or is oauth2's "cannot fetch token".
func seenFailures(log []byte) []string {
	const prefix = "repos: filibuster-go/filibuster-gen: "
	var seen []string
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), prefix)
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, ": ", 3)
		if len(parts) < 3 {
			seen = append(seen, "malformed: "+rest)
			continue
		}
		s := parts[0] + ": " + parts[1]
		if strings.Contains(parts[2], "/login/oauth/access_token") || strings.Contains(parts[2], "cannot fetch token") {
			s += " (token)"
		}
		seen = append(seen, s)
	}
	return seen
}

// lineOf returns the number of the only line of file that contains s.
func lineOf(t *testing.T, file, s string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, s) {
			if found != 0 {
				t.Fatalf("%s has %q on lines %d and %d", file, s, found, i+1)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%s has no line with %q", file, s)
	}
	return found
}
