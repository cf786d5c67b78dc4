// Command realworld checks that filibuster-gen's instrumentation is invisible when no
// fault is injected, on real code: it downloads public Go modules through the module
// proxy, instruments each with filibuster-gen, and runs the module's own go vet and test
// suite on the instrumented copy, once with the runtime inert and once with
// FILIBUSTER_URL pointing at a coordinator that injects no faults. Each run must pass
// every test that passes in an uninstrumented run of the same suite.
//
// Usage, from the filibuster-gen module root:
//
//	go run ./realworld [-module path@version]... [-timeout 10m] [-keep] [-v]
//
// Without -module it runs the pinned list in defaultModules. Everything it downloads
// and writes goes to a temporary directory, removed at the end unless -keep is given.
// See docs/realworld.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// harness holds what every module's run shares.
type harness struct {
	repo        string        // filibuster-gen module root
	tmp         string        // temporary directory for everything the harness writes
	gen         string        // the filibuster-gen binary
	genErr      error         // why the binary could not be built
	testTimeout time.Duration // go test -timeout for each run
	baseEnv     []string      // environment of every go command run on a module
	verbose     bool
	log         io.Writer
}

func main() {
	var (
		modules []module
		keep    bool
		h       = &harness{log: os.Stdout}
	)
	flag.Func("module", "run on `path@version` instead of the pinned list (repeatable)", func(s string) error {
		m, err := parseModule(s)
		if err != nil {
			return err
		}
		modules = append(modules, m)
		return nil
	})
	flag.DurationVar(&h.testTimeout, "timeout", 10*time.Minute, "go test -timeout for each test run")
	flag.StringVar(&h.gen, "gen", "", "use this filibuster-gen `binary` instead of building ./cmd/filibuster-gen")
	flag.BoolVar(&keep, "keep", false, "keep the temporary directory and print its path")
	flag.BoolVar(&h.verbose, "v", false, "print the output of every failing test and command")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "realworld: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if len(modules) == 0 {
		modules = defaultModules
	}

	// SIGPIPE too: with the output piped to head, the harness must still clean up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
	defer stop()
	code, err := h.main(ctx, modules, keep)
	if err != nil {
		fmt.Fprintf(os.Stderr, "realworld: %v\n", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// main runs every module and prints the report; it returns the exit code.
func (h *harness) main(ctx context.Context, modules []module, keep bool) (int, error) {
	repo, err := moduleRoot()
	if err != nil {
		return 0, err
	}
	h.repo = repo
	h.tmp, err = os.MkdirTemp("", "filibuster-realworld-")
	if err != nil {
		return 0, fmt.Errorf("creating temporary directory: %w", err)
	}
	if keep {
		fmt.Fprintf(h.log, "realworld: keeping %s\n", h.tmp)
	} else {
		defer func() {
			if err := os.RemoveAll(h.tmp); err != nil {
				fmt.Fprintf(os.Stderr, "realworld: removing %s: %v\n", h.tmp, err)
			}
		}()
	}
	h.baseEnv = []string{
		"GOPATH=" + filepath.Join(h.tmp, "gopath"),
		"GOMODCACHE=" + filepath.Join(h.tmp, "gopath", "pkg", "mod"),
		"GOFLAGS=-modcacherw", // so that the temporary directory can be removed
		"GOWORK=off",
		"GOTOOLCHAIN=local",
		"GO111MODULE=on",
	}

	if h.gen == "" {
		h.gen = filepath.Join(h.tmp, "filibuster-gen")
		build := exec.CommandContext(ctx, "go", "build", "-o", h.gen, "./cmd/filibuster-gen")
		build.Dir = h.repo
		if out, err := build.CombinedOutput(); err != nil {
			// The uninstrumented runs are still worth having: report and go on.
			h.genErr = fmt.Errorf("building filibuster-gen: %v: %s", err, lastLines(string(out), 10))
			fmt.Fprintf(h.log, "realworld: %v\n", h.genErr)
		}
	} else if h.gen, err = filepath.Abs(h.gen); err != nil {
		return 0, fmt.Errorf("-gen: %w", err)
	}

	var reports []*report
	for _, m := range modules {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(h.log, "=== %s\n", m)
		start := time.Now()
		r := h.run(ctx, m)
		r.Elapsed = time.Since(start)
		r.print(h.log, h.verbose)
		reports = append(reports, r)
	}
	if ctx.Err() != nil {
		return 0, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	printTable(h.log, reports)
	passed := 0
	for _, r := range reports {
		if r.passed() {
			passed++
		}
	}
	fmt.Fprintf(h.log, "realworld: %d/%d modules pass\n", passed, len(reports))
	if passed != len(reports) {
		return 1, nil
	}
	return 0, nil
}

// moduleRoot returns the root of the filibuster-gen module the harness runs in.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the filibuster-gen module (run from its root): %w", err)
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if path != "github.com/filibuster-go/filibuster-gen" {
		return "", fmt.Errorf("run from the filibuster-gen module, not %s", path)
	}
	return dir, nil
}

// goCommand returns a go command that runs in dir with the harness's module cache, and
// none of the FILIBUSTER_ variables of the caller's environment.
func (h *harness) goCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = h.env()
	// Kill the whole process group, so no test binary outlives a timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// env returns the caller's environment without the variables the harness sets or
// clears, followed by the harness's own.
func (h *harness) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "FILIBUSTER_"),
			k == "GOPATH", k == "GOMODCACHE", k == "GOFLAGS", k == "GOWORK", k == "GOTOOLCHAIN", k == "GO111MODULE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, h.baseEnv...)
}

// run downloads, instruments and tests one module.
func (h *harness) run(ctx context.Context, m module) *report {
	r := &report{Module: m}
	src, version, err := h.download(ctx, m)
	if err != nil {
		r.Err = err
		return r
	}
	if version != m.Version {
		fmt.Fprintf(h.log, "    %s resolved to %s\n", m.Version, version)
		m.Version = version
		r.Module.Version = version
	}
	dir := filepath.Join(h.tmp, "work", strings.NewReplacer("/", "_", "@", "_").Replace(m.String()))
	if err := copyTree(dir, src); err != nil {
		r.Err = fmt.Errorf("copying %s: %w", m, err)
		return r
	}

	// Uninstrumented: the reference every instrumented run is compared with.
	r.BaseVet = h.vet(ctx, dir)
	r.Base = h.goTest(ctx, dir, nil)
	if r.Base.Err != nil {
		r.Err = fmt.Errorf("uninstrumented: %w", r.Base.Err)
		return r
	}
	fmt.Fprintf(h.log, "    uninstrumented: %s\n", r.Base.summary())

	if h.genErr != nil {
		r.Err = errors.New("filibuster-gen could not be built (see above)")
		return r
	}
	start := time.Now()
	out, err := h.generate(ctx, dir, "./...")
	r.GenTime = time.Since(start)
	if err != nil && r.Base.packageFailures() > 0 {
		// Some packages do not build uninstrumented either, and the generator refuses
		// to write anything then (repros/broken-sibling-package.go.txt): instrument
		// the packages that do build, so that the others can still be compared.
		pkgs, lerr := h.buildable(ctx, dir)
		if lerr != nil {
			r.Err = lerr
			return r
		}
		r.GenFallback = fmt.Sprintf("filibuster-gen ./... failed (%s); instrumented the %d packages that build instead",
			firstLine(out), len(pkgs))
		fmt.Fprintf(h.log, "    note: %s\n", r.GenFallback)
		start = time.Now()
		out, err = h.generate(ctx, dir, pkgs...)
		r.GenTime = time.Since(start)
	}
	if err != nil {
		r.Err = fmt.Errorf("filibuster-gen: %v: %s", err, lastLines(out, 20))
		return r
	}
	overlay := filepath.Join(dir, ".filibuster", "overlay.json")
	if _, err := os.Stat(overlay); err != nil {
		r.Err = fmt.Errorf("filibuster-gen wrote no overlay: %w", err)
		return r
	}
	r.Sites, r.ManifestErr = readManifest(filepath.Join(dir, ".filibuster", "manifest.json"))

	r.Linked, err = h.linked(ctx, dir, overlay)
	if err != nil {
		r.Err = err
		return r
	}
	if r.Linked == 0 && r.instrumented() > 0 {
		r.Err = fmt.Errorf("%d sites instrumented, yet no package imports the runtime through the overlay", r.instrumented())
		return r
	}
	r.printSites(h.log)

	r.Vet = h.vet(ctx, dir, "-overlay", overlay)
	r.Inert = h.goTest(ctx, dir, nil, "-overlay", overlay)
	fmt.Fprintf(h.log, "    inert:          %s\n", r.Inert.summary())

	// Inert again, under the race detector. A test it fails is run again uninstrumented
	// with -race, package by package, to tell a race of the module's own (reported, not
	// counted) from one the instrumentation brought in.
	r.Race = h.goTest(ctx, dir, nil, "-race", "-overlay", overlay)
	if r.Race.Err == nil {
		if pkgs := regressionPackages(compare(r.Module, r.Base, r.Race)); len(pkgs) > 0 {
			r.BaseRace = h.goTestPackages(ctx, dir, nil, []string{"-race"}, pkgs)
		}
	}
	fmt.Fprintf(h.log, "    inert -race:    %s\n", r.Race.summary())
	if r.BaseRace != nil {
		fmt.Fprintf(h.log, "    uninstrumented -race, on the %d packages whose tests failed instrumented -race: %s\n",
			len(regressionPackages(compare(r.Module, r.Base, r.Race))), r.BaseRace.summary())
	}

	coord, err := h.startCoordinator(ctx)
	if err != nil {
		r.CoordErr = err
		return r
	}
	r.Coord = h.goTest(ctx, dir, []string{"FILIBUSTER_URL=" + coord.url}, "-overlay", overlay)
	if err := coord.stop(); err != nil {
		r.CoordErr = err
	}
	r.Reported = coord.counts.snapshot()
	fmt.Fprintf(h.log, "    coordinator:    %s; it got %d requests: %d calls reported (PUT /filibuster/create), "+
		"%d request_received and %d invocation_complete updates\n",
		r.Coord.summary(), r.Reported.Requests, r.Reported.Creates, r.Reported.Received, r.Reported.Completed)
	return r
}

// generate runs filibuster-gen on the package patterns in dir and returns its output.
func (h *harness) generate(ctx context.Context, dir string, patterns ...string) (string, error) {
	cmd := exec.CommandContext(ctx, h.gen, patterns...)
	cmd.Dir = dir
	cmd.Env = h.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// buildable returns the packages of dir that load without errors, in theirs or their
// dependencies.
func (h *harness) buildable(ctx context.Context, dir string) ([]string, error) {
	cmd := h.goCommand(ctx, dir, "list", "-e", "-test=false",
		"-f", "{{if and (not .Error) (not .DepsErrors)}}{{.ImportPath}}{{end}}", "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./...: %v: %s", err, lastLines(stderr.String(), 20))
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("go list ./...: no package of %s builds", dir)
	}
	return pkgs, nil
}

// firstLine returns the first line of s.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// runtimePath is the import path of the package instrumented code calls.
const runtimePath = "github.com/filibuster-go/filibuster-gen/runtime"

// linked returns how many packages of dir, test variants included, import the runtime
// when built with the overlay: a check that the overlay is in effect.
func (h *harness) linked(ctx context.Context, dir, overlay string) (int, error) {
	cmd := h.goCommand(ctx, dir, "list", "-e", "-overlay", overlay, "-test", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("go list -overlay: %v: %s", err, lastLines(stderr.String(), 20))
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		_, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == runtimePath {
				n++
				break
			}
		}
	}
	return n, nil
}

// summary returns one line on a test run.
func (r *suiteResult) summary() string {
	if r == nil {
		return "not run"
	}
	if r.Err != nil {
		return "error: " + r.Err.Error()
	}
	pass, fail, skip := r.counts()
	return fmt.Sprintf("%d passed, %d failed, %d skipped in %v", pass, fail, skip, r.Elapsed.Round(time.Second))
}

// vetResult is the outcome of one go vet run.
type vetResult struct {
	Lines []string // diagnostics and errors, normalized
	Err   error    // set when go vet exits non-zero
}

// vet runs go vet ./... in dir with the given flags.
func (h *harness) vet(ctx context.Context, dir string, flags ...string) *vetResult {
	ctx, cancel := context.WithTimeout(ctx, h.testTimeout)
	defer cancel()
	args := append(append([]string{"vet"}, flags...), "./...")
	cmd := h.goCommand(ctx, dir, args...)
	out, err := cmd.CombinedOutput()
	res := &vetResult{Err: err}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "go: downloading") {
			continue
		}
		line = strings.ReplaceAll(line, dir+string(filepath.Separator), "")
		line = strings.TrimPrefix(line, "./")
		res.Lines = append(res.Lines, line)
	}
	return res
}

// newLines returns the lines of v that base does not have.
func (v *vetResult) newLines(base *vetResult) []string {
	seen := make(map[string]bool)
	for _, l := range base.Lines {
		seen[l] = true
	}
	var out []string
	for _, l := range v.Lines {
		if !seen[l] {
			out = append(out, l)
		}
	}
	return out
}
