package report

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// sample is a report of a cinema-like exploration: users calls bookings, which calls
// movies; execution 2 injects 404 on bookings and fails.
func sample() *Report {
	ok := func(src, dst, site, url string) coordinator.CallReport {
		return coordinator.CallReport{Source: src, Target: dst, Site: site, Module: "net/http", Method: "GET", URL: url, Received: true, Status: 200, ExecutionIndex: "[[\"k\", 1]]"}
	}
	fault := coordinator.FaultReport{Kind: "status 404", Service: "bookings", Method: "GET", URL: "http://127.0.0.1:1/bookings/<script>alert(1)</script>",
		Site: "users/main.go:40", ExecutionIndex: "[[\"k\", 1]]", Reached: true, Description: "status 404 on bookings GET http://127.0.0.1:1/bookings/<script>"}
	injected := ok("users", "bookings", "users/main.go:40", fault.URL)
	injected.Received, injected.Status, injected.Injected = false, 404, "status 404"
	return &Report{
		Application:   "cinema",
		Command:       "filibuster-gen run examples/cinema",
		ReplayCommand: "filibuster-gen run examples/cinema --counterexample-file counterexample.json",
		Manifest: []Site{
			{ID: "1", File: "users/main.go", Line: 40, Kind: "client", Callee: "net/http.Get", Instrumented: true, Service: "users"},
			{ID: "2", File: "bookings/main.go", Line: 30, Kind: "client", Callee: "net/http.Get", Instrumented: true, Service: "bookings"},
			{ID: "3", File: "users/main.go", Line: 20, Kind: "handler", Callee: "net/http.HandleFunc", Instrumented: true, Service: "users"},
			{ID: "6", File: "bookings/main.go", Line: 12, Kind: "handler", Callee: "net/http.HandleFunc", Instrumented: true, Service: "bookings"},
			{ID: "4", File: "movies/main.go", Line: 50, Kind: "client", Callee: "net/http.Get", Instrumented: true, Service: "movies"},
			{ID: "5", File: "movies/main.go", Line: 60, Kind: "client", Callee: "net/http.Get", Instrumented: false, Reason: "dynamic call", Service: "movies"},
		},
		Exploration: &coordinator.Report{
			Format:   coordinator.ReportFormat,
			Settings: coordinator.ReportSettings{DynamicReduction: true, FunctionalTest: "./functional", CounterexampleFile: "counterexample.json"},
			Summary:  coordinator.ReportSummary{Result: "failed", Ran: 2, Passed: 1, Failed: 1, NotRun: 3},
			Executions: []coordinator.ExecutionReport{
				{Number: 1, Result: "passed", Faults: []coordinator.FaultReport{},
					Calls: []coordinator.CallReport{ok("users", "bookings", "users/main.go:40", "http://b/"), ok("bookings", "movies", "bookings/main.go:30", "http://m/")}},
				{Number: 2, Result: "failed", Faults: []coordinator.FaultReport{fault},
					Calls: []coordinator.CallReport{injected}, Output: "want 503, got 200\n"},
			},
			Pruned: []coordinator.PrunedExecution{},
			Sites: []coordinator.SiteReport{
				{Site: "bookings/main.go:30", Calls: 1, FaultFreeCalls: 1, Sources: []string{"bookings"}, Targets: []string{"movies"},
					Injected: []string{}, Possible: []string{"syscall.ECONNREFUSED"}, NeverInjected: []string{"syscall.ECONNREFUSED"}},
				{Site: "lib/x.go:7", Calls: 2, FaultFreeCalls: 0, Sources: []string{"users"}, Injected: []string{}, Possible: []string{}, NeverInjected: []string{}},
				{Site: "users/main.go:40", Calls: 2, FaultFreeCalls: 1, Sources: []string{"users"}, Targets: []string{"bookings"},
					Injected: []string{"status 404"}, Possible: []string{"status 404", "syscall.ECONNREFUSED"}, NeverInjected: []string{"syscall.ECONNREFUSED"}},
			},
		},
	}
}

// row returns the HTML of the table row whose data-site is site.
func row(t *testing.T, page, site string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr class="site[^"]*" data-site="` + regexp.QuoteMeta(site) + `">.*</tr>`).FindString(page)
	if m == "" {
		t.Errorf("no coverage row for %s", site)
	}
	return m
}

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	r := sample()
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	back, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("report.json does not read back as written")
	}
	data, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)

	// The failing execution is marked failed and open; the passing one is not.
	if !strings.Contains(page, `<details class="execution failed" id="x-2" data-result="failed" data-services=" bookings users " data-faults="|status 404|" open>`) {
		t.Errorf("execution 2 is not marked failed and open")
	}
	if !strings.Contains(page, `<details class="execution passed" id="x-1" data-result="passed" data-services=" bookings movies users " data-faults="|">`) {
		t.Errorf("execution 1 is not marked passed")
	}
	// Its call table shows the injected fault on the call site.
	x2 := page[strings.Index(page, `id="x-2"`):]
	x2 = x2[:strings.Index(x2, "</details>")]
	if !regexp.MustCompile(`<td class="mono site">users/main.go:40</td>.*\n<td class="injected">injected status 404</td>`).MatchString(x2) {
		t.Errorf("execution 2's call table does not show the injected 404 at users/main.go:40:\n%s", x2)
	}
	// Values are escaped.
	if strings.Contains(page, "<script>alert") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the URL is not escaped")
	}
	for _, want := range []string{
		`<pre class="replay">filibuster-gen run examples/cinema --counterexample-file counterexample.json</pre>`,
		"if resp.StatusCode != http.StatusOK { // bookings answered 404",
		`filibuster.WasFaultInjectedOn(&#34;bookings&#34;)`,
		"want 503, got 200",
		"3 scheduled executions were not run",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Every site of the manifest has a row, with what was done there.
	if n := strings.Count(page, `<tr class="site`); n != len(r.Manifest)+1 {
		t.Errorf("%d coverage rows, want the manifest's %d and one unlisted site", n, len(r.Manifest))
	}
	for site, want := range map[string]string{
		"users/main.go:40":    "exercised by the fault-free run; some faults never injected</span></td><td>2 (1)</td><td>status 404</td><td>syscall.ECONNREFUSED</td>",
		"bookings/main.go:30": "<td>1 (1)</td><td></td><td>syscall.ECONNREFUSED</td>",
		"users/main.go:20":    "no instrumented call reached users",
		"bookings/main.go:12": "bookings received instrumented calls (counted per service, not per handler)</span></td><td>1 (1)</td>",
		"movies/main.go:50":   `<span class="badge c-bad">never reached by the functional test</span>`,
		"movies/main.go:60":   "not instrumented: dynamic call",
		"lib/x.go:7":          "not in the manifest",
	} {
		if got := row(t, page, site); !strings.Contains(got, want) {
			t.Errorf("coverage row of %s lacks %q:\n%s", site, want, got)
		}
	}

	// report regenerates the same page from report.json.
	if err := os.Remove(filepath.Join(dir, HTMLFile)); err != nil {
		t.Fatal(err)
	}
	if err := Regenerate(dir); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Error("Regenerate wrote another page")
	}
}

// TestNotTested checks that an execution whose fault never landed is never shown
// as passed.
func TestNotTested(t *testing.T) {
	r := sample()
	x := &r.Exploration.Executions[1]
	x.Result, x.Faults[0].Reached = "not tested", false
	x.Calls = x.Calls[:0]
	r.Exploration.Summary = coordinator.ReportSummary{Result: "incomplete", Ran: 2, Passed: 1, NotTested: 1, Unlanded: 1}
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<details class="execution not-tested" id="x-2" data-result="not-tested"`,
		`<span class="badge r-not-tested">not tested</span>`,
		`<td class="unlanded">NO: the call did not happen, the fault is not tested</td>`,
		`<span id="result" class="badge r-incomplete">incomplete</span>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "Failing execution") {
		t.Error("the page shows a failing execution")
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(dir); err == nil {
		t.Error("Read of a folder without report.json succeeded")
	}
	os.WriteFile(filepath.Join(dir, JSONFile), []byte(`{"format": 99, "exploration": {}}`), 0o644)
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "format 99") {
		t.Errorf("Read of another format: %v", err)
	}
	if err := Write(dir, &Report{}); err == nil {
		t.Error("Write of a report without an exploration succeeded")
	}
}

func TestReadManifest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	os.WriteFile(path, []byte(`[{"id": "ab", "package": "x/users", "file": "users/main.go", "line": 3, "column": 2,
		"func": "main.main", "callee": "net/http.Get", "kind": "client", "instrumented": true}]`), 0o644)
	sites, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Site{{ID: "ab", File: "users/main.go", Line: 3, Func: "main.main", Kind: "client", Callee: "net/http.Get", Instrumented: true}}
	if !reflect.DeepEqual(sites, want) {
		t.Errorf("got %+v, want %+v", sites, want)
	}
}

// TestErrorShown checks that an exploration that ended with an error is never shown
// with its summary's result.
func TestErrorShown(t *testing.T) {
	r := sample()
	r.Exploration.Summary.Result = "passed"
	r.Error = "the functional test failed with no fault injected"
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, `<span id="result" class="badge r-error">error</span>`) || !strings.Contains(page, "ended with an error: the functional test failed") || strings.Contains(page, `class="badge r-passed">passed</span></h1>`) {
		t.Error("the page does not show the error as the result")
	}
}
