package faultmodel

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeepsOrderAndRoundTrips(t *testing.T) {
	src := `{"b": {"pattern": "requests\\.(get|post)", "exceptions": [{"name": "X"}, {"name": "T", "restrictions": "timeout"}]},
	 "a": {"pattern": "grpc\\.insecure\\_channel", "errors": [{"service_name": "users", "types": [{"return_value": {"status_code": "404"}}]}]}}`
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rules) != 2 || f.Rules[0].Name != "b" || f.Rules[1].Name != "a" {
		t.Fatalf("rules %v, want b then a", f.Rules)
	}
	if !f.Rules[0].Rule.MatchCall("requests", "get") || f.Rules[0].Rule.MatchCall("xrequests", "get") {
		t.Error("pattern is not matched as re.match (anchored at the start only)")
	}
	if !f.Rules[1].Rule.MatchCall("grpc", "insecure_channel") {
		t.Error(`\_ is not taken as a literal underscore`)
	}
	e := &f.Rules[1].Rule.Errors[0]
	if !e.MatchService("users") || !e.MatchService("users-v2") || e.MatchService("all-users") {
		t.Error("service_name is not matched as re.match")
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if again.Rules[0].Name != "b" || len(again.Rules[0].Rule.Exceptions) != 2 || again.Rules[0].Rule.Exceptions[1].Restrictions != "timeout" {
		t.Errorf("round trip lost content: %s", data)
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		`[]`:                           "not a JSON object",
		`{"http": {"pattern": "("}}`:   `rule "http": pattern`,
		`{"http": {"exceptions": []}}`: `rule "http": pattern: missing`,
		`{"http": {"pattern": "x", "errors": [{"service_name": "[", "types": []}]}}`: `rule "http": errors[0].service_name`,
		`{"http": {"pattern": "x", "exceptions": [{"metadata": {}}]}}`:               `rule "http": exceptions[0].name`,
		`{"http": {"pattern": "x", "bogus": 1}}`:                                     `rule "http"`,
	} {
		_, err := Parse([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", src, err, want)
		}
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(path, []byte(`{`), 0o644)
	if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadFile error %v does not name the file", err)
	}
}

// TestReferenceFiles parses the reference server's analysis files (the repository's
// copy, in testdata/conformance/analysis); finding none is a failure.
func TestReferenceFiles(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "conformance", "analysis")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no reference analysis files in %s: they are part of the repository", dir)
	}
	for _, path := range files {
		if _, err := ReadFile(path); err != nil {
			t.Error(err)
		}
	}
}

func TestDefault(t *testing.T) {
	data, err := json.Marshal(Default())
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(data)
	if err != nil {
		t.Fatalf("the default does not parse: %v\n%s", err, data)
	}
	r := f.Rules[0].Rule
	if !r.MatchCall("net/http", "GET") || len(r.Exceptions) != 2 || len(r.Errors[0].Types) != 3 || !r.Errors[0].MatchService("anything") {
		t.Errorf("unexpected default: %s", data)
	}
}

// TestMerge checks that an included file adds statuses to a service's rule once, adds
// rules of its own whole, and refuses a rule of the same name with another pattern.
func TestMerge(t *testing.T) {
	base, err := Parse([]byte(`{"net/http": {"pattern": "net/http\\.", "exceptions": [{"name": "syscall.ECONNREFUSED"}],
		"errors": [{"service_name": "^orders$", "types": [{"return_value": {"status_code": "500"}}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	inc, err := Parse([]byte(`{
		"net/http": {"pattern": "net/http\\.", "exceptions": [{"name": "syscall.ECONNREFUSED"}],
			"errors": [
				{"service_name": "^orders$", "types": [{"return_value": {"status_code": "500"}}, {"return_value": {"status_code":"409"}}]},
				{"service_name": "^payments$", "types": [{"return_value": {"status_code": "402"}}]}]},
		"python.requests": {"pattern": "requests\\.(get|put|post|head)", "exceptions": [{"name": "requests.exceptions.ConnectionError"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Merge(inc); err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"net/http":{"pattern":"net/http\\.","exceptions":[{"name":"syscall.ECONNREFUSED"}],"errors":[` +
		`{"service_name":"^orders$","types":[{"return_value":{"status_code":"500"}},{"return_value":{"status_code":"409"}}]},` +
		`{"service_name":"^payments$","types":[{"return_value":{"status_code":"402"}}]}]},` +
		`"python.requests":{"pattern":"requests\\.(get|put|post|head)","exceptions":[{"name":"requests.exceptions.ConnectionError"}]}}`
	if string(got) != want {
		t.Errorf("merged:\n%s\nwant\n%s", got, want)
	}

	other, err := Parse([]byte(`{"net/http": {"pattern": "http\\."}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := base.Merge(other); err == nil || !strings.Contains(err.Error(), `"net/http"`) {
		t.Errorf("merging another pattern under one name: error %v, want one naming the rule", err)
	}
}
