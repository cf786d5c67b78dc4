package rewrite

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestExcludesMatch checks the pattern syntax of Config.Exclude: relative to the
// module root, "/..." matching the directory and everything below it, import path
// patterns, and "..." inside a path.
func TestExcludesMatch(t *testing.T) {
	const mod = "example.com/m"
	tests := []struct {
		pattern string
		match   []string
		nomatch []string
	}{
		{"./e2e/...", []string{"e2e", "e2e/sub", "e2e/a/b"}, []string{".", "e2e2", "x/e2e", "e2etests"}},
		{"./e2e", []string{"e2e"}, []string{"e2e/sub", "."}},
		{"./e2e/", []string{"e2e"}, []string{"e2e/sub"}},
		{"./...", []string{".", "a", "a/b"}, nil},
		{".", []string{"."}, []string{"a"}},
		{"./cmd/.../functional", []string{"cmd/x/functional", "cmd/x/y/functional"}, []string{"cmd/functional2", "functional"}},
		{"./func...", []string{"functional", "func", "func/x"}, []string{"fun"}},
		{"example.com/m/e2e/...", []string{"e2e", "e2e/x"}, []string{"x"}},
		{"example.com/m", []string{"."}, []string{"e2e"}},
		{"e2e/...", nil, []string{"e2e", "e2e/x"}}, // an import path pattern, outside the module
	}
	for _, tt := range tests {
		e, err := CompileExcludes([]string{tt.pattern}, mod)
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		for _, rel := range tt.match {
			if got := e.Match(rel); got != tt.pattern {
				t.Errorf("%q does not match %q", tt.pattern, rel)
			}
		}
		for _, rel := range tt.nomatch {
			if got := e.Match(rel); got != "" {
				t.Errorf("%q matches %q", tt.pattern, rel)
			}
		}
	}
	for _, bad := range []string{"", "/abs/e2e", "../other/...", "./a/../../b"} {
		if _, err := CompileExcludes([]string{bad}, mod); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestExcludeConfig checks that an exact pattern excludes one package and not the
// package below it, that a pattern matching nothing is reported, and that a malformed
// pattern is an error.
func TestExcludeConfig(t *testing.T) {
	cfg := Config{
		Dir:      testdataDir,
		Out:      t.TempDir(),
		Patterns: []string{"./excluded/...", "./drivestests"},
		Exclude:  []string{"./excluded", "./nosuch/..."},
	}
	p, err := Build(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	reasons := make(map[string]string)
	for _, s := range p.Sites {
		r := "instrumented"
		if !s.Instrumented {
			r = s.Reason
		}
		reasons[s.File+" "+s.Callee] = r
	}
	want := map[string]string{
		"excluded/main.go net/http.HandleFunc":     "excluded by --exclude ./excluded",
		"excluded/main.go net/http.ListenAndServe": "excluded by --exclude ./excluded",
		"excluded/sub/sub.go net/http.Get":         "instrumented",
		"excluded/sub/sub_test.go net/http.Post":   ReasonTestFile,
		"drivestests/entry.go net/http.Head":       ReasonDrivesTests,
		"drivestests/main.go net/http.Get":         ReasonDrivesTests,
	}
	if !reflect.DeepEqual(reasons, want) {
		t.Errorf("sites:\n%v\nwant\n%v", reasons, want)
	}
	for rel := range p.Files {
		if strings.HasPrefix(rel, "excluded/") && rel != "excluded/sub/sub.go" || strings.HasPrefix(rel, "drivestests/") || strings.HasSuffix(rel, "_test.go") {
			t.Errorf("%s written", rel)
		}
	}
	if !reflect.DeepEqual(p.UnmatchedExcludes, []string{"./nosuch/..."}) {
		t.Errorf("unmatched excludes %v, want [./nosuch/...]", p.UnmatchedExcludes)
	}

	cfg.Exclude = []string{"../outside"}
	if _, err := Build(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "../outside") {
		t.Errorf("malformed pattern: error %v", err)
	}
}

// TestSummary checks the summary line's counts.
func TestSummary(t *testing.T) {
	in := SiteInfo{Instrumented: true}
	skip := func(reason string) SiteInfo { return SiteInfo{Reason: reason} }
	tests := []struct {
		sites []SiteInfo
		want  string
	}{
		{nil, "0 sites"},
		{[]SiteInfo{in}, "1 site: 1 instrumented"},
		{[]SiteInfo{in, in}, "2 sites: 2 instrumented"},
		{
			[]SiteInfo{in, in, skip(reasonInterface), skip(ExcludedReason("./e2e/...")), skip(ReasonDrivesTests), skip(ExcludedReason("./x"))},
			"6 sites: 2 instrumented, 4 not instrumented (2 excluded, 1 drives tests, 1 interface call)",
		},
		{
			[]SiteInfo{skip(ReasonTestFile), skip(ReasonTestFile), skip(ReasonDrivesTests), skip(ReasonDrivesTests), skip(reasonIgnored), skip(reasonFuncValue), skip(reasonMethodValue), skip("nil handler func"), skip(reasonShadowedPrefix + "__filibuster is declared in scope")},
			"9 sites: 0 instrumented, 9 not instrumented (2 drive tests, 2 in test files, 1 ignored, 1 method value, 1 function value, 1 name clash, 1 other)",
		},
	}
	for _, tt := range tests {
		if got := Summary(tt.sites); got != tt.want {
			t.Errorf("Summary = %q, want %q", got, tt.want)
		}
	}
	// The golden cases: every skipped site has a specific label.
	for _, s := range casesPlan(t).Sites {
		if !s.Instrumented && strings.Contains(Summary([]SiteInfo{s}), "other") &&
			s.Reason != "nil handler func" && s.Reason != "unexpected arguments" && s.Reason != "method expression" {
			t.Errorf("%s:%d: reason %q counted as other", s.File, s.Line, s.Reason)
		}
	}
}

// TestServiceName checks the names of main packages.
func TestServiceName(t *testing.T) {
	services := map[string]string{"cmd/a": "alpha", "./cmd/b": "beta"}
	for rel, want := range map[string]string{".": "main", "cmd/a": "alpha", "cmd/b": "beta", "cmd/c": "c", "users": "users"} {
		if got := ServiceName(rel, services); got != want {
			t.Errorf("ServiceName(%q) = %q, want %q", rel, got, want)
		}
	}
}
