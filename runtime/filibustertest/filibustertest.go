// Package filibustertest runs a functional test written as an ordinary Go test once per
// execution of a Filibuster exploration: every combination of faults that matters on the
// calls an application's services make to each other.
//
// A test names the application, a directory with a filibuster.json (docs/run.md), and
// gives the body to run against it:
//
//	func TestBookings(t *testing.T) {
//		filibustertest.Explore(t, "..", func(t *testing.T, x *filibustertest.Execution) {
//			resp, err := http.Get(x.URL("users") + "/users/chris_rivers/bookings")
//			if err != nil {
//				t.Fatal(err)
//			}
//			defer resp.Body.Close()
//			if !x.FaultInjected() && resp.StatusCode != http.StatusOK {
//				t.Errorf("status %d with no fault injected", resp.StatusCode)
//			}
//		})
//	}
//
// Explore instruments and builds the application's services (once per test binary,
// reusing what an earlier run built when nothing changed), starts them on free ports
// of 127.0.0.1 with a coordinator in the test's own process, and stops them when the
// test ends. The body runs in the test process, once per execution, as a subtest named
// after the execution's faults ("fault-free", "bookings-503",
// "bookings-ConnectionError+movies-Timeout"); `go test -v` and `go test -json` list each,
// as IDEs do. Everything the body needs of its execution is on the Execution: the
// services' URLs and the faults it injects.
//
// An execution is found by running the ones before it, so -run cannot pick one out of an
// exploration: an execution whose subtest -run filters out is not run, the executions it
// would have led to are not explored, and the test fails saying how many were left out.
// To run one execution again, replay its saved file (below): `-run 'TestBookings/saved'`
// runs the saved executions only when the fault-free one is filtered out too.
//
// Each exploration writes its report (package report: every execution, its faults and
// calls, and the coverage of the generator's call sites) to the application's
// .filibuster/report/<TestName>/index.html, and the test's log says where.
//
// # Failures become regression tests
//
// As with fuzzing, a failing execution is saved, as the counterexample file
// `filibuster-gen run --replay` reads, under testdata/filibuster/<TestName>/ in the
// test's package directory, named after the execution; commit it. Every later run of the
// test replays the saved executions first, as subtests of "saved", before exploring.
//
// # What go test explores
//
// A plain `go test` explores the whole space: the fault-free execution, then every
// execution the coordinator schedules, with dynamic reduction unless WithoutReduction
// is given, until one fails. `go test -short` runs the saved executions and the
// fault-free one only, which is fast and still catches the regressions committed; set
// FILIBUSTER_EXPLORE=1 to explore under -short too.
//
// An exploration passes only when every execution passed and every fault planned
// landed on its call: a fault whose call did not happen is reported as not tested,
// and the test fails, as it does when the fault-free execution sees no call at all.
package filibustertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

// Execution is what the body of an exploration knows of the execution it runs in.
type Execution struct {
	// Number counts the exploration's executions from 1, the fault-free one.
	Number int
	// Faults are the faults the execution injects, in the order of their calls.
	Faults []coordinator.Fault

	x    *coordinator.Execution
	urls map[string]string
}

// URL returns the base URL of the service named name (http://127.0.0.1:port). It
// panics if the application has no such service.
func (x *Execution) URL(name string) string {
	u, ok := x.urls[name]
	if !ok {
		panic(fmt.Sprintf("filibustertest: the application has no service %q", name))
	}
	return u
}

// FaultInjected reports whether the execution injects a fault on any call.
func (x *Execution) FaultInjected() bool { return x.x.FaultInjected() }

// FaultInjectedOn reports whether the execution injects a fault on a call to the
// service named name.
func (x *Execution) FaultInjectedOn(name string) bool { return x.x.FaultInjectedOn(name) }

// FaultInjectedOnCall reports whether the execution injects a fault on a call to the
// service named name with the method whose URL's path is path.
func (x *Execution) FaultInjectedOnCall(name, method, path string) bool {
	for _, f := range x.Faults {
		if f.Service == name && strings.EqualFold(f.Method, method) && callPath(f.URL) == path {
			return true
		}
	}
	return false
}

// callPath returns the path of a call's URL as the runtime reports it ("5000/x?y" gives
// "/x"), or "" when it has none.
func callPath(reported string) string {
	_, rest, ok := strings.Cut(reported, "/")
	if !ok {
		return ""
	}
	path, _, _ := strings.Cut("/"+rest, "?")
	return path
}

// Option changes how Explore explores.
type Option func(*options)

type options struct {
	reduction, breadthFirst, single bool
	max                             int
	analysisFile                    string
}

// WithoutReduction turns dynamic reduction off: every execution scheduled is run.
func WithoutReduction() Option { return func(o *options) { o.reduction = false } }

// BreadthFirst runs the executions in the order they were scheduled instead of
// depth first.
func BreadthFirst() Option { return func(o *options) { o.breadthFirst = true } }

// SingleFaults injects at most one fault per execution.
func SingleFaults() Option { return func(o *options) { o.single = true } }

// MaxExecutions stops the exploration after n executions (the fault-free one
// included). The test then says the exploration was cut short.
func MaxExecutions(n int) Option { return func(o *options) { o.max = n } }

// AnalysisFile uses the analysis file at path (relative to the test's package
// directory) instead of the static analysis of the services.
func AnalysisFile(path string) Option { return func(o *options) { o.analysisFile = path } }

// Explore explores the application in dir (relative to the test's package directory),
// running body once per execution as a subtest of t, and returns the exploration's
// summary. It fails t when an execution fails (after saving it), when a planned fault
// never landed, when the fault-free execution sees no call, and when the application
// cannot be built or started.
func Explore(t *testing.T, dir string, body func(t *testing.T, x *Execution), opts ...Option) *coordinator.Summary {
	t.Helper()
	o := options{reduction: true}
	for _, opt := range opts {
		opt(&o)
	}
	app, analysis, err := prepare(dir, o.analysisFile)
	if err != nil {
		t.Fatalf("filibustertest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	saved := savedDir(t)
	files := savedFiles(t, saved)
	// The services key their calls by the callee's name (FILIBUSTER_TARGETS), so the
	// saved executions replay on whatever ports the application gets.
	r, err := start(ctx, app)
	if err != nil {
		t.Fatalf("filibustertest: %v", err)
	}
	t.Cleanup(r.stop)

	if len(files) > 0 {
		passed := t.Run("saved", func(t *testing.T) {
			t.Helper()
			for _, f := range files {
				r.explore(t, body, coordinator.Options{Replay: f, Analysis: analysis}, "")
			}
		})
		if !passed {
			// The exploration would find the same failure again: fix it first.
			t.Errorf("filibustertest: a saved execution still fails: not exploring until it passes")
			return nil
		}
	}
	copts := coordinator.Options{
		Analysis:             analysis,
		DynamicReduction:     o.reduction,
		BreadthFirst:         o.breadthFirst,
		SuppressCombinations: o.single,
		MaxTests:             o.max,
		OnlyInitial:          testing.Short() && os.Getenv("FILIBUSTER_EXPLORE") != "1",
	}
	summary := r.explore(t, body, copts, saved)
	if summary != nil && summary.ExecutionsRan > 0 {
		t.Logf("filibustertest: %d executions ran, %d pruned, in %v (%v per execution)",
			summary.ExecutionsRan, summary.Pruned, summary.Elapsed.Round(time.Millisecond), (summary.Elapsed / time.Duration(summary.ExecutionsRan)).Round(10*time.Microsecond))
	}
	if summary != nil && copts.OnlyInitial {
		t.Logf("filibustertest: -short: ran the fault-free execution only (FILIBUSTER_EXPLORE=1 explores)")
	} else if summary != nil && o.max > 0 && summary.ExecutionsRan >= o.max {
		t.Logf("filibustertest: stopped after %d executions (MaxExecutions): the exploration is not complete", summary.ExecutionsRan)
	}
	return summary
}

// run is a started application with its coordinator's address.
type run struct {
	app  *deploy.Built
	dep  *deploy.Deployment
	ln   net.Listener
	srv  *http.Server
	mu   sync.Mutex
	coor *coordinator.Coordinator // the coordinator of the exploration under way
}

// start listens for the coordinator and starts the application's services pointed at
// it, on the application's usual ports, or others when those are taken.
func start(ctx context.Context, app *deploy.Built) (*run, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening for the coordinator: %w", err)
	}
	r := &run{app: app, ln: ln}
	r.srv = &http.Server{Handler: coordinator.Streams(http.HandlerFunc(r.serve)), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	r.dep, err = app.Start(ctx, deploy.StartOptions{FilibusterURL: "http://" + ln.Addr().String()})
	if err != nil {
		r.srv.Close()
		return nil, err
	}
	return r, nil
}

// serve hands the services' requests to the coordinator of the exploration under way.
func (r *run) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	c := r.coor
	r.mu.Unlock()
	if c == nil {
		http.Error(w, "no exploration under way", http.StatusServiceUnavailable)
		return
	}
	c.ServeHTTP(w, req)
}

func (r *run) stop() {
	r.dep.Stop()
	r.srv.Close()
}

// explore runs one exploration (or replay) with opts, each execution a subtest of t
// running body. A failing execution is saved under saveDir, unless it is "".
func (r *run) explore(t *testing.T, body func(*testing.T, *Execution), opts coordinator.Options, saveDir string) *coordinator.Summary {
	t.Helper()
	var progress bytes.Buffer
	opts.Progress = &progress
	counterexample := filepath.Join(t.TempDir(), "counterexample.json")
	if opts.Replay == "" {
		opts.CounterexampleFile = counterexample
	}
	var failedName string
	notRun, firstSkipped := 0, "" // the first execution's name, when -run filters it out
	opts.FunctionalTest = func(ctx context.Context) (bool, error) {
		cx := coordinator.ExecutionFrom(ctx)
		x := &Execution{Number: cx.Number, Faults: cx.Faults, x: cx, urls: r.dep.URLs}
		name := Name(cx.Faults)
		ran, full := false, ""
		passed := t.Run(name, func(t *testing.T) {
			ran, full = true, t.Name()
			body(t, x)
		})
		if ran {
			// The body's log is the subtest's, which go test prints: the report names it.
			verdict := "PASS"
			if !passed {
				verdict = "FAIL"
			}
			cx.SetOutput(fmt.Sprintf("--- %s: %s (its log is in go test's output)", verdict, full))
		} else {
			notRun++
			if cx.Number == 1 {
				firstSkipped = name
			}
		}
		if !passed {
			failedName = name
		}
		return passed, nil
	}
	opts.FunctionalTestName = t.Name()
	c := coordinator.New(opts)
	r.mu.Lock()
	r.coor = c
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.coor = nil
		r.mu.Unlock()
	}()
	summary, err := c.Explore(context.Background())
	if saveDir != "" {
		r.report(t, summary, err)
	}
	if progress.Len() > 0 {
		t.Logf("filibustertest: %s", strings.TrimSuffix(progress.String(), "\n"))
	}
	what := "exploration"
	if opts.Replay != "" {
		what = "replay of " + opts.Replay
	}
	if firstSkipped != "" {
		t.Logf("filibustertest: -run filters out the %s's first execution (%s): nothing of it ran", what, firstSkipped)
		return nil
	}
	switch {
	case errors.Is(err, coordinator.ErrNothingObserved):
		t.Errorf("filibustertest: the fault-free execution made no instrumented call: nothing was tested (are the body's requests sent to x.URL of an instrumented service?)")
		return summary
	case errors.Is(err, coordinator.ErrFaultFreeFailed):
		t.Errorf("filibustertest: the fault-free execution failed: fix it before exploring faults")
		return summary
	case err != nil:
		t.Errorf("filibustertest: %s: %v", what, err)
		return summary
	}
	if notRun > 0 {
		t.Errorf("filibustertest: %d executions of the %s were not run (filtered out by -run): they were not tested, and what they would have scheduled was not explored", notRun, what)
	}
	if summary.Incomplete {
		for _, u := range summary.Unreached {
			t.Errorf("filibustertest: execution %d: NOT TESTED, faults never landed: %s", u.Execution, strings.Join(u.Faults, "; "))
		}
		if opts.Replay != "" {
			t.Errorf("filibustertest: %s no longer reaches the calls it was saved for: the code changed since; if the failure is fixed, delete the file", opts.Replay)
		}
	}
	if summary.Failed && saveDir != "" {
		if path, err := save(counterexample, saveDir, failedName); err != nil {
			t.Errorf("filibustertest: saving the failing execution: %v", err)
		} else {
			t.Logf("filibustertest: the failing execution is saved as %s: every later go test replays it first (commit it)", path)
		}
	}
	return summary
}

// report writes the report of t's exploration (see package report) to the
// application's .filibuster/report/<TestName>, and says where.
func (r *run) report(t *testing.T, summary *coordinator.Summary, exploreErr error) {
	t.Helper()
	if summary == nil || summary.Report == nil {
		return
	}
	rep := &report.Report{
		Application: r.app.Config.Name,
		Command:     "go test -run " + runPattern(t.Name()),
		Exploration: summary.Report,
	}
	if summary.Failed {
		rep.ReplayCommand = "go test -run " + runPattern(t.Name()+"/saved")
	}
	if exploreErr != nil {
		rep.Error = exploreErr.Error()
	}
	if r.app.SitesFile != "" {
		sites, err := report.ReadManifest(r.app.SitesFile)
		if err != nil {
			t.Errorf("filibustertest: %v", err)
			return
		}
		rep.Manifest = sites
	}
	dir := filepath.Join(r.app.Dir, ".filibuster", "report", filepath.FromSlash(t.Name()))
	if err := report.Write(dir, rep); err != nil {
		t.Errorf("filibustertest: %v", err)
		return
	}
	t.Logf("filibustertest: report: %s", filepath.Join(dir, report.HTMLFile))
}

// runPattern is the -run pattern, quoted for a shell, that selects the test or subtest
// named name and nothing else.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return "'" + strings.Join(parts, "/") + "'"
}

// Name is the subtest name of an execution that injects faults: "fault-free" when
// there are none, else one "<service>-<fault>" per fault, joined by "+", with the
// callee's port when it is not an instrumented service.
func Name(faults []coordinator.Fault) string {
	if len(faults) == 0 {
		return "fault-free"
	}
	parts := make([]string, len(faults))
	for i, f := range faults {
		target := f.Service
		if target == "" {
			target, _, _ = strings.Cut(f.URL, "/") // the port
		}
		what := f.Exception
		switch {
		case f.Status != 0:
			what = strconv.Itoa(f.Status)
		case f.Code != "":
			what = f.Code
		default:
			if i := strings.LastIndexByte(what, '.'); i >= 0 {
				what = what[i+1:]
			}
		}
		parts[i] = target + "-" + what
	}
	return strings.Join(parts, "+")
}

// savedDir is the directory of t's saved executions: testdata/filibuster/<TestName>.
func savedDir(t *testing.T) string {
	return filepath.Join("testdata", "filibuster", filepath.FromSlash(t.Name()))
}

// savedFiles returns the saved executions in dir, by name.
func savedFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatalf("filibustertest: listing saved executions: %v", err)
	}
	sort.Strings(files)
	return files
}

// save copies the counterexample file into dir as <name>.json, with a number added
// when that name is taken by another execution.
func save(counterexample, dir, name string) (string, error) {
	data, err := os.ReadFile(counterexample)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name+".json")
	for i := 2; ; i++ {
		old, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err == nil && bytes.Equal(old, data) {
			return path, nil // saved already
		}
		path = filepath.Join(dir, name+"-"+strconv.Itoa(i)+".json")
	}
	return path, os.WriteFile(path, data, 0o644)
}

var (
	preparedMu sync.Mutex
	prepared   = make(map[string]*deploy.Built) // by absolute directory and analysis file
)

// prepare has the generator instrument, analyse and build the application in dir
// (`filibuster-gen prepare`), once per test binary, into its work directory (workDir),
// where the next run finds what it can reuse. It returns the built application and its
// analysis.
func prepare(dir, analysisFile string) (*deploy.Built, *faultmodel.File, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if analysisFile != "" {
		if analysisFile, err = filepath.Abs(analysisFile); err != nil {
			return nil, nil, err
		}
	}
	key := abs + "\x00" + analysisFile
	preparedMu.Lock()
	defer preparedMu.Unlock()
	app, ok := prepared[key]
	if !ok {
		work, err := workDir(abs, analysisFile)
		if err != nil {
			return nil, nil, err
		}
		args := []string{"prepare", "--work", work}
		if analysisFile != "" {
			args = append(args, "--analysis-file", analysisFile)
		}
		if err := runGenerator(append(args, abs)...); err != nil {
			return nil, nil, err
		}
		if app, err = deploy.ReadBuilt(work); err != nil {
			return nil, nil, err
		}
		prepared[key] = app
	}
	if app.AnalysisFile == "" {
		return nil, nil, fmt.Errorf("%s was built uninstrumented", abs)
	}
	analysis, err := faultmodel.ReadFile(app.AnalysisFile)
	if err != nil {
		return nil, nil, err
	}
	return app, analysis, nil
}

// workDir returns the work directory of the application in dir explored with
// analysisFile: a directory of the user's cache (os.UserCacheDir) named after both,
// kept from one go test to the next so that an unchanged application is not generated
// and built again, and outside the module, where the generator's own output directory
// (.filibuster, replaced whole by each run) cannot remove it.
func workDir(dir, analysisFile string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding a work directory: %w", err)
	}
	sum := sha256.Sum256([]byte(dir + "\x00" + analysisFile))
	return filepath.Join(cache, "filibuster-gen", "test", filepath.Base(dir)+"-"+hex.EncodeToString(sum[:8])), nil
}
