package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// testEvent is one line of go test -json output (see go doc test2json).
type testEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output and build-fail events
	FailedBuild string // set on a package's fail event when a package failed to build
}

// packageKey stands for a package's own result in a suiteResult.
const packageKey = "(package)"

// suiteResult is the outcome of one go test run, per test.
type suiteResult struct {
	// Results maps "pkg TestName" (or "pkg (package)") to pass, fail or skip.
	Results map[string]string
	// Output holds the output of each test and package that failed, keyed like Results.
	Output  map[string]string
	Elapsed time.Duration
	// Err is set when go test could not run at all or produced no events; a non-zero exit
	// because tests failed is not an error.
	Err error
	// Stderr is go test's standard error: build errors outside any package's events.
	Stderr string
}

// counts returns how many tests (not packages) passed, failed and were skipped.
func (r *suiteResult) counts() (pass, fail, skip int) {
	for k, v := range r.Results {
		if strings.HasSuffix(k, " "+packageKey) {
			continue
		}
		switch v {
		case "pass":
			pass++
		case "fail":
			fail++
		case "skip":
			skip++
		}
	}
	return pass, fail, skip
}

// packageFailures returns how many packages failed as a whole, most often because
// they did not build.
func (r *suiteResult) packageFailures() int {
	n := 0
	for k, v := range r.Results {
		if v == "fail" && strings.HasSuffix(k, " "+packageKey) {
			n++
		}
	}
	return n
}

// goTest runs go test -json on ./... in dir with the given extra flags and environment
// and collects the result of every test.
func (h *harness) goTest(ctx context.Context, dir string, env []string, flags ...string) *suiteResult {
	return h.goTestPackages(ctx, dir, env, flags, []string{"./..."})
}

// goTestPackages is goTest on the given packages instead of ./....
func (h *harness) goTestPackages(ctx context.Context, dir string, env, flags, pkgs []string) *suiteResult {
	// The test binary's own -timeout stops a hung test; this one stops a hung build.
	ctx, cancel := context.WithTimeout(ctx, h.testTimeout+5*time.Minute)
	defer cancel()
	args := append([]string{"test", "-json", "-count=1", "-timeout", h.testTimeout.String()}, flags...)
	args = append(args, pkgs...)
	cmd := h.goCommand(ctx, dir, args...)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return &suiteResult{Err: fmt.Errorf("go test: %w", err)}
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return &suiteResult{Err: fmt.Errorf("go test: %w", err)}
	}
	res := &suiteResult{Results: make(map[string]string), Output: make(map[string]string)}
	parseErr := res.parse(stdout)
	waitErr := cmd.Wait()
	res.Elapsed = time.Since(start)
	res.Stderr = stderr.String()
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("go test in %s: %w after %v", dir, ctx.Err(), res.Elapsed.Round(time.Second))
	case parseErr != nil:
		res.Err = fmt.Errorf("go test in %s: reading its output: %w", dir, parseErr)
	case waitErr != nil && !errors.As(waitErr, &exit):
		res.Err = fmt.Errorf("go test in %s: %w", dir, waitErr)
	case len(res.Results) == 0:
		res.Err = fmt.Errorf("go test in %s reported nothing: %v: %s", dir, waitErr, lastLines(res.Stderr, 20))
	}
	return res
}

// parse reads go test -json events from r into res.
func (res *suiteResult) parse(r io.Reader) error {
	output := make(map[string]*strings.Builder)
	built := make(map[string]string) // package key -> key of the build output
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] != '{' {
			continue // go test may print non-JSON lines, e.g. for build errors
		}
		var ev testEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return fmt.Errorf("decoding %q: %w", line, err)
		}
		pkg := ev.Package
		if pkg == "" {
			pkg = ev.ImportPath
		}
		key := pkg + " " + packageKey
		if ev.Test != "" {
			key = pkg + " " + ev.Test
		}
		switch ev.Action {
		case "output", "build-output":
			b := output[key]
			if b == nil {
				b = new(strings.Builder)
				output[key] = b
			}
			b.WriteString(ev.Output)
		case "pass", "fail", "skip":
			res.Results[key] = ev.Action
			if ev.FailedBuild != "" {
				// The build output was reported under the import path that failed.
				built[key] = ev.FailedBuild + " " + packageKey
			}
		}
	}
	for key, v := range res.Results {
		if v != "fail" {
			continue
		}
		var b strings.Builder
		if k, ok := built[key]; ok && output[k] != nil {
			b.WriteString(output[k].String())
		}
		if output[key] != nil {
			b.WriteString(output[key].String())
		}
		if b.Len() > 0 {
			res.Output[key] = b.String()
		}
	}
	return sc.Err()
}

// regression is a test that passed uninstrumented and did not pass instrumented.
type regression struct {
	Name   string // "pkg TestName"
	Got    string // fail, skip, or "did not run"
	Output string
}

// compare returns the tests that pass in base and not in got, leaving out the tests
// m excludes (and their subtests). Package results count too: a package that passed
// uninstrumented must pass instrumented, unless the only tests that failed in it are
// excluded ones.
func compare(m module, base, got *suiteResult) []regression {
	var out []regression
	for key, v := range base.Results {
		if v != "pass" || excluded(m, key) {
			continue
		}
		g, ok := got.Results[key]
		if g == "pass" {
			continue
		}
		if pkg, ok := strings.CutSuffix(key, " "+packageKey); ok && g == "fail" && failedOnlyExcluded(m, got, pkg) {
			continue
		}
		if !ok {
			g = "did not run"
		}
		r := regression{Name: key, Got: g, Output: got.Output[key]}
		if r.Output == "" {
			// A test that did not run most likely lost its package to a build failure.
			pkg, _, _ := strings.Cut(key, " ")
			r.Output = got.Output[pkg+" "+packageKey]
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// regressionPackages returns the packages of regs, sorted, each once.
func regressionPackages(regs []regression) []string {
	seen := make(map[string]bool)
	var pkgs []string
	for _, r := range regs {
		pkg, _, _ := strings.Cut(r.Name, " ")
		if !seen[pkg] {
			seen[pkg] = true
			pkgs = append(pkgs, pkg)
		}
	}
	sort.Strings(pkgs)
	return pkgs
}

// splitByBase splits regs into those that pass in base and those that do not: tests
// that fail, or do not run, in base too.
func splitByBase(regs []regression, base *suiteResult) (own, alsoBase []regression) {
	for _, r := range regs {
		if base != nil && base.Err == nil && base.Results[r.Name] != "pass" {
			alsoBase = append(alsoBase, r)
			continue
		}
		own = append(own, r)
	}
	return own, alsoBase
}

// failedOnlyExcluded reports whether at least one test of package pkg failed in res
// and every one that did is excluded by m: the package then failed because of them.
// A package that failed with no test failing (a build failure, a crash outside any
// test) did not.
func failedOnlyExcluded(m module, res *suiteResult, pkg string) bool {
	n := 0
	for key, v := range res.Results {
		p, _, _ := strings.Cut(key, " ")
		if v != "fail" || p != pkg || strings.HasSuffix(key, " "+packageKey) {
			continue
		}
		if !excluded(m, key) {
			return false
		}
		n++
	}
	return n > 0
}

// excluded reports whether the test key ("pkg TestName/sub") is excluded by m.
func excluded(m module, key string) bool {
	_, name, _ := strings.Cut(key, " ")
	for ex := range m.Exclude {
		if name == ex || strings.HasPrefix(name, ex+"/") {
			return true
		}
	}
	return false
}

// lastLines returns the last n lines of s, trimmed.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
