package rewrite

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Reasons for which the generator leaves a whole file or package alone. Every site in
// such a file is still listed, with the reason.
const (
	// ReasonTestFile: _test.go files are never instrumented, so a functional test
	// written as a Go test never has faults injected into its own requests.
	ReasonTestFile = "test file (_test.go files are never instrumented)"
	// ReasonDrivesTests: a package whose own (non-test) source imports the runtime
	// calls WasFaultInjected: it is a functional test, not a service.
	ReasonDrivesTests = "package drives tests (imports the filibuster runtime)"
	// reasonExcluded is followed by the --exclude pattern that matched.
	reasonExcluded = "excluded by --exclude "
)

// Excludes matches package directories against the patterns of Config.Exclude.
//
// A pattern has the syntax of a go list package pattern. One that starts with "." is
// relative to the module root (not to the current directory): "./e2e" is the package
// in <root>/e2e, "./e2e/..." that package and every package below it, "./..." the
// whole module. Any other pattern is an import path pattern ("example.com/m/e2e/...").
// As with go list, "..." matches any string, and a trailing "/..." also matches the
// path without it. A package's import path is taken from its directory, so an
// external test package (x_test) matches as its directory's package does.
type Excludes struct {
	modPath  string
	patterns []string
	res      []*regexp.Regexp
	matched  []bool
}

// CompileExcludes checks the patterns and prepares them for the module modPath.
func CompileExcludes(patterns []string, modPath string) (*Excludes, error) {
	e := &Excludes{modPath: modPath}
	for _, p := range patterns {
		importPattern, err := excludeImportPattern(p, modPath)
		if err != nil {
			return nil, err
		}
		re := regexp.QuoteMeta(importPattern)
		re = strings.ReplaceAll(re, `\.\.\.`, `.*`)
		if strings.HasSuffix(re, `/.*`) {
			re = strings.TrimSuffix(re, `/.*`) + `(/.*)?`
		}
		e.patterns = append(e.patterns, p)
		e.res = append(e.res, regexp.MustCompile(`^`+re+`$`))
		e.matched = append(e.matched, false)
	}
	return e, nil
}

// excludeImportPattern turns an --exclude pattern into an import path pattern.
func excludeImportPattern(p, modPath string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("--exclude: empty pattern")
	}
	s := filepath.ToSlash(p)
	if filepath.IsAbs(p) || strings.HasPrefix(s, "/") {
		return "", fmt.Errorf("--exclude %q: want a pattern relative to the module root (./dir, ./dir/...) or an import path pattern", p)
	}
	if s != "." && !strings.HasPrefix(s, "./") && !strings.HasPrefix(s, "../") && s != ".." {
		return s, nil // an import path pattern
	}
	rel := path.Clean(s)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("--exclude %q: outside the module root", p)
	}
	if rel == "." {
		return modPath, nil
	}
	return modPath + "/" + rel, nil
}

// Match returns the first pattern that matches the package in the module-relative,
// slash-separated directory rel ("." for the module root), or "".
func (e *Excludes) Match(rel string) string {
	if e == nil {
		return ""
	}
	importPath := e.modPath
	if rel != "." && rel != "" {
		importPath += "/" + rel
	}
	for i, re := range e.res {
		if re.MatchString(importPath) {
			e.matched[i] = true
			return e.patterns[i]
		}
	}
	return ""
}

// Unmatched returns the patterns that have matched no directory passed to Match.
func (e *Excludes) Unmatched() []string {
	if e == nil {
		return nil
	}
	var out []string
	for i, p := range e.patterns {
		if !e.matched[i] {
			out = append(out, p)
		}
	}
	return out
}

// ExcludedReason is the reason listed for the sites of a package that pattern excludes.
func ExcludedReason(pattern string) string { return reasonExcluded + pattern }

// DrivesTests reports whether p's own (non-test) source imports the runtime: such a
// package is a functional test (it calls WasFaultInjected), not a service. A test
// variant of a package never does: its imports are its tests' too.
func DrivesTests(p *packages.Package) bool {
	return !isVariant(p) && p.Imports[RuntimePath] != nil
}

// isTestFile reports whether name is a _test.go file.
func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.go") }

// ServiceName is the service name of the main package in the module-relative,
// slash-separated directory rel: the name services gives it (keyed by rel, with or
// without a leading "./"), or the directory's base name, "main" for the module root.
func ServiceName(rel string, services map[string]string) string {
	if name, ok := services[rel]; ok {
		return name
	}
	if name, ok := services["./"+rel]; ok {
		return name
	}
	base := path.Base(rel)
	if rel == "." || rel == "" || base == "." {
		return "main"
	}
	return base
}

// skipLabels names each kind of skipped site in the summary, singular and plural, in
// the order the summary lists them. A reason matches a label when it starts with its
// prefix.
var skipLabels = []struct{ prefix, one, many string }{
	{reasonExcluded, "excluded", "excluded"},
	{ReasonDrivesTests, "drives tests", "drive tests"},
	{ReasonTestFile, "in a test file", "in test files"},
	{reasonIgnored, "ignored", "ignored"},
	{reasonInterface, "interface call", "interface calls"},
	{reasonMethodValue, "method value", "method values"},
	{reasonFuncValue, "function value", "function values"},
	{reasonShadowedPrefix, "name clash", "name clashes"},
	{reasonNotNetHTTP, "server not on net/http", "servers not on net/http"},
	{reasonLibraryNoHooks, "library call", "library calls"},
	{"", "other", "other"},
}

// Summary counts sites by outcome, the skipped ones by reason:
// "16 sites: 12 instrumented, 4 not instrumented (2 excluded, 1 drives tests, 1 interface call)".
func Summary(sites []SiteInfo) string {
	counts := make([]int, len(skipLabels))
	instrumented := 0
	for _, s := range sites {
		if s.Instrumented {
			instrumented++
			continue
		}
		for i, l := range skipLabels {
			if strings.HasPrefix(s.Reason, l.prefix) {
				counts[i]++
				break
			}
		}
	}
	noun := "sites"
	if len(sites) == 1 {
		noun = "site"
	}
	out := fmt.Sprintf("%d %s", len(sites), noun)
	if len(sites) == 0 {
		return out
	}
	out += fmt.Sprintf(": %d instrumented", instrumented)
	skipped := len(sites) - instrumented
	if skipped == 0 {
		return out
	}
	var parts []string
	for i, l := range skipLabels {
		switch {
		case counts[i] == 1:
			parts = append(parts, "1 "+l.one)
		case counts[i] > 1:
			parts = append(parts, fmt.Sprintf("%d %s", counts[i], l.many))
		}
	}
	return out + fmt.Sprintf(", %d not instrumented (%s)", skipped, strings.Join(parts, ", "))
}
