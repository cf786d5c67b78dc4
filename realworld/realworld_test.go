package main

import (
	"strings"
	"testing"
)

// events is go test -json output: a passing and a failing test, a subtest, a package
// that failed to build and a package without tests.
const events = `{"Action":"start","Package":"example.com/m/a"}
{"Action":"run","Package":"example.com/m/a","Test":"TestOK"}
{"Action":"output","Package":"example.com/m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"example.com/m/a","Test":"TestOK","Elapsed":0}
{"Action":"run","Package":"example.com/m/a","Test":"TestBad"}
{"Action":"output","Package":"example.com/m/a","Test":"TestBad","Output":"    a_test.go:9: boom\n"}
{"Action":"fail","Package":"example.com/m/a","Test":"TestBad","Elapsed":0}
{"Action":"pass","Package":"example.com/m/a","Test":"TestOK/sub","Elapsed":0}
{"Action":"skip","Package":"example.com/m/a","Test":"TestSkip","Elapsed":0}
{"Action":"fail","Package":"example.com/m/a","Elapsed":0.1}
{"ImportPath":"example.com/m/b [example.com/m/b.test]","Action":"build-output","Output":"b/b.go:3:1: syntax error\n"}
{"ImportPath":"example.com/m/b [example.com/m/b.test]","Action":"build-fail"}
{"Action":"fail","Package":"example.com/m/b","Elapsed":0,"FailedBuild":"example.com/m/b [example.com/m/b.test]"}
not json: go prints this for some errors
{"Action":"skip","Package":"example.com/m/c","Elapsed":0}
`

func parseEvents(t *testing.T, s string) *suiteResult {
	t.Helper()
	res := &suiteResult{Results: make(map[string]string), Output: make(map[string]string)}
	if err := res.parse(strings.NewReader(s)); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParse(t *testing.T) {
	res := parseEvents(t, events)
	want := map[string]string{
		"example.com/m/a TestOK":     "pass",
		"example.com/m/a TestOK/sub": "pass",
		"example.com/m/a TestBad":    "fail",
		"example.com/m/a TestSkip":   "skip",
		"example.com/m/a (package)":  "fail",
		"example.com/m/b (package)":  "fail",
		"example.com/m/c (package)":  "skip",
	}
	for k, v := range want {
		if res.Results[k] != v {
			t.Errorf("Results[%q] = %q, want %q", k, res.Results[k], v)
		}
	}
	if len(res.Results) != len(want) {
		t.Errorf("got %d results, want %d: %v", len(res.Results), len(want), res.Results)
	}
	if got := res.Output["example.com/m/a TestBad"]; !strings.Contains(got, "boom") {
		t.Errorf("output of TestBad = %q, want it to contain boom", got)
	}
	if got := res.Output["example.com/m/b (package)"]; !strings.Contains(got, "syntax error") {
		t.Errorf("output of package b = %q, want its build output", got)
	}
	if pass, fail, skip := res.counts(); pass != 2 || fail != 1 || skip != 1 {
		t.Errorf("counts() = %d, %d, %d; want 2, 1, 1", pass, fail, skip)
	}
}

func TestCompare(t *testing.T) {
	base := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestB"}
{"Action":"pass","Package":"p","Test":"TestFlaky"}
{"Action":"pass","Package":"p","Test":"TestFlaky/sub"}
{"Action":"fail","Package":"p","Test":"TestNet"}
{"Action":"pass","Package":"p","Test":"TestGone"}
{"Action":"pass","Package":"p"}
`)
	got := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestB","Output":"bad\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"fail","Package":"p","Test":"TestFlaky"}
{"Action":"fail","Package":"p","Test":"TestFlaky/sub"}
{"Action":"pass","Package":"p","Test":"TestNet"}
{"Action":"fail","Package":"p"}
`)
	m := module{Exclude: map[string]string{"TestFlaky": "flaky"}}
	regs := compare(m, base, got)
	var names []string
	for _, r := range regs {
		names = append(names, r.Name+"="+r.Got)
	}
	want := "p (package)=fail p TestB=fail p TestGone=did not run"
	if strings.Join(names, " ") != want {
		t.Errorf("compare = %q, want %q", strings.Join(names, " "), want)
	}
	if regs[1].Output != "bad\n" {
		t.Errorf("output of TestB = %q", regs[1].Output)
	}
}

// TestCompareExcludedFailure checks that a package failed only by an excluded test is
// not a regression, and that one failed by anything else still is.
func TestCompareExcludedFailure(t *testing.T) {
	base := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestFlaky"}
{"Action":"pass","Package":"p"}
`)
	m := module{Exclude: map[string]string{"TestFlaky": "flaky"}}
	for _, tt := range []struct {
		name, got, want string
	}{
		{"only excluded", `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestFlaky"}
{"Action":"fail","Package":"p"}
`, ""},
		{"excluded and another", `{"Action":"fail","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestFlaky"}
{"Action":"fail","Package":"p"}
`, "p (package)=fail p TestA=fail"},
		{"no test failed", `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestFlaky"}
{"Action":"fail","Package":"p"}
`, "p (package)=fail"},
		{"build failure", `{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}
`, "p (package)=fail p TestA=did not run"},
	} {
		var names []string
		for _, r := range compare(m, base, parseEvents(t, tt.got)) {
			names = append(names, r.Name+"="+r.Got)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("%s: compare = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseModule(t *testing.T) {
	m, err := parseModule("github.com/gorilla/mux@v1.8.1")
	if err != nil || m.Path != "github.com/gorilla/mux" || m.Version != "v1.8.1" {
		t.Errorf("parseModule = %+v, %v", m, err)
	}
	for _, bad := range []string{"github.com/gorilla/mux", "@v1", "x@"} {
		if _, err := parseModule(bad); err == nil {
			t.Errorf("parseModule(%q) succeeded", bad)
		}
	}
}

func TestVetNewLines(t *testing.T) {
	base := &vetResult{Lines: []string{"a.go:1:2: old"}}
	got := &vetResult{Lines: []string{"a.go:1:2: old", "b.go:3:4: new"}}
	if lines := got.newLines(base); len(lines) != 1 || lines[0] != "b.go:3:4: new" {
		t.Errorf("newLines = %q", lines)
	}
}

func TestCallCounts(t *testing.T) {
	var c callCounts
	c.count("GET", "/filibuster/new-test-execution/svc", nil)
	c.count("PUT", "/filibuster/create", []byte(`{"instrumentation_type":"invocation"}`))
	c.count("PUT", "/filibuster/create", nil)
	c.count("POST", "/filibuster/update", []byte(`{"instrumentation_type":"request_received","generated_id":"0"}`))
	c.count("POST", "/filibuster/update", []byte(`{"instrumentation_type":"invocation_complete","generated_id":1}`))
	c.count("POST", "/filibuster/update", []byte(`not json`))
	c.count("GET", "/filibuster/create", nil) // not a report
	c.count("POST", "/filibuster/updates", []byte(`[{"instrumentation_type":"request_received","generated_id":"1"},{"instrumentation_type":"invocation_complete","generated_id":0}]`))
	got := c.snapshot()
	want := reported{Requests: 8, Creates: 2, Received: 2, Completed: 2}
	if got != want {
		t.Errorf("snapshot = %+v, want %+v", got, want)
	}
}

func TestNothingReported(t *testing.T) {
	ok := &suiteResult{Results: map[string]string{"p TestA": "pass"}}
	r := &report{
		Base: ok, Inert: ok, Race: ok, Coord: ok,
		Sites:   []site{{Kind: "client", Instrumented: true}},
		BaseVet: &vetResult{}, Vet: &vetResult{},
	}
	if !r.nothingReported() || r.passed() || r.verdict() != "NOTHING REPORTED" {
		t.Errorf("no calls reported: nothingReported %v, passed %v, verdict %q", r.nothingReported(), r.passed(), r.verdict())
	}
	r.Reported = reported{Requests: 3, Creates: 1}
	if r.nothingReported() || !r.passed() || r.verdict() != "ok" {
		t.Errorf("one call reported: nothingReported %v, passed %v, verdict %q", r.nothingReported(), r.passed(), r.verdict())
	}
	r.Reported = reported{}
	r.Sites = []site{{Kind: "client", Instrumented: false, Reason: "dynamic"}}
	if r.nothingReported() || !r.passed() {
		t.Errorf("nothing instrumented, nothing reported: nothingReported %v, passed %v", r.nothingReported(), r.passed())
	}
	// Handlers alone have nothing to report in a library's own tests.
	r.Sites = []site{{Kind: "handler", Instrumented: true}}
	if r.nothingReported() || !r.passed() {
		t.Errorf("handlers only, nothing reported: nothingReported %v, passed %v", r.nothingReported(), r.passed())
	}
}

func TestRaceRegressions(t *testing.T) {
	base := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestRacy"}
{"Action":"pass","Package":"q","Test":"TestB"}
`)
	race := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestRacy"}
{"Action":"fail","Package":"q","Test":"TestB"}
`)
	regs := compare(module{}, base, race)
	if pkgs := regressionPackages(regs); strings.Join(pkgs, " ") != "p q" {
		t.Errorf("regressionPackages = %q", pkgs)
	}
	// Uninstrumented under -race, TestRacy fails too: the module's own race.
	baseRace := parseEvents(t, `{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"p","Test":"TestRacy"}
{"Action":"pass","Package":"q","Test":"TestB"}
`)
	r := &report{Base: base, Race: race, BaseRace: baseRace}
	own, racy := r.regressions(race)
	if len(own) != 1 || own[0].Name != "q TestB" || len(racy) != 1 || racy[0].Name != "p TestRacy" {
		t.Errorf("regressions = %v, %v", own, racy)
	}
	if got := r.mode(race); got != "FAIL (1) +1 racy" {
		t.Errorf("mode = %q", got)
	}
	// Other runs are not filtered by the -race rerun.
	if own, racy := r.regressions(&suiteResult{Results: race.Results}); len(own) != 2 || racy != nil {
		t.Errorf("regressions of another run = %v, %v", own, racy)
	}
}
