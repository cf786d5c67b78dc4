package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/filibuster-go/filibuster-gen/e2e"
	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
	"github.com/spf13/cobra"
)

// newRunCmd returns the run command: generate, build, start and explore an application
// described by its filibuster.json (docs/run.md), or, with --corpus, every application
// given with and without dynamic reduction.
func newRunCmd() *cobra.Command {
	var (
		disableDR      bool
		replay         string
		counterexample string
		analysisFile   string
		workDir        string
		maxTests       int
		verbose        bool
		quiet          bool
		corpus         bool
		traceFile      string
		unreached      bool
		reportDir      string
		parallel       int
		workers        int
		addr           string
	)
	cmd := &cobra.Command{
		Use:   "run [flags] dir...",
		Short: "Generate, build, start and explore an application end to end",
		Long: `Run instruments the services of the application in dir (described by
dir/filibuster.json), derives its analysis file, builds the services and the
functional test, starts a coordinator and the services on free ports of 127.0.0.1,
explores every failure the analysis names, stops everything and prints a summary.

It exits 0 when every test execution passed with every scheduled fault injected, 1 when
one failed (the counterexample is written to --counterexample-out and can be replayed
with --counterexample-file) or when scheduled faults never landed (unless
--allow-unreached), and 2 on any other error, such as a fault-free execution that fails
or reports no instrumented call.

The report of the exploration (report.json and a static index.html, see docs/report.md)
is written to --report, by default .filibuster/report/<application>; its location is
printed at the end.

With --parallel K, K executions run at once, each against a copy of the application
of its own (on its own ports), and give the same executions, in the same order, with
the same counts, as one at a time (docs/scale.md).

With --workers K, the executions are run by up to K worker processes ("filibuster-gen
worker --coordinator URL", on this machine or others), each with its copy of the
application, instead of copies started here: the coordinator listens on --addr, and
the answers are the same.

With --corpus, each dir is explored with dynamic reduction off and on and the numbers
of test executions are compared with the expected ones of its filibuster.json (no
report is written).`,
		Args:          cobra.MinimumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()

			if parallel < 1 {
				return exitError{2, fmt.Sprintf("--parallel %d: the number of lanes is at least 1", parallel)}
			}
			if corpus {
				return runCorpus(ctx, args, parallel, stdout, stderr, quiet)
			}
			if len(args) != 1 {
				return exitError{2, "run takes one application directory (or several with --corpus)"}
			}
			explored := func() {}
			opts := e2e.Options{
				Dir:          args[0],
				AnalysisFile: analysisFile,
				WorkDir:      workDir,
				ExploreOptions: e2e.ExploreOptions{
					DynamicReduction:   !disableDR,
					CounterexampleFile: counterexample,
					Replay:             replay,
					MaxTests:           maxTests,
					AllowUnreached:     unreached,
					Parallel:           parallel,
					Workers:            workers,
					Addr:               addr,
				},
			}
			if workers > 0 {
				opts.OnListen = func(url string) {
					fmt.Fprintf(stderr, "coordinator at %s, waiting for up to %d workers: filibuster-gen worker --coordinator %s ...\n", url, workers, url)
				}
			}
			if !quiet {
				opts.Log = stderr
				opts.Progress = stderr
				if isTerminal(stderr) && !verbose {
					// One updating status line; each execution is in the report.
					status := &statusLine{w: stderr, name: filepath.Base(filepath.Clean(args[0]))}
					opts.Progress, opts.OnProgress = nil, status.update
					explored = status.end
				}
			}
			if verbose {
				opts.Echo = stderr
			}
			if traceFile != "" {
				f, err := os.Create(traceFile)
				if err != nil {
					return exitError{2, err.Error()}
				}
				defer f.Close()
				opts.Trace = f
			}
			return runOne(ctx, opts, stdout, reportDir, explored)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&disableDR, "disable-dynamic-reduction", false, "explore without dynamic reduction")
	f.StringVar(&replay, "counterexample-file", "", "replay this counterexample `file` instead of exploring")
	f.StringVar(&counterexample, "counterexample-out", "counterexample.json", "write a failing execution's counterexample to `file`")
	f.StringVar(&analysisFile, "analysis-file", "", "use this analysis `file` instead of the static analysis")
	f.StringVar(&workDir, "work-dir", "", "keep generated files, binaries and logs in `dir` (default: a temporary directory, removed)")
	f.IntVar(&maxTests, "max-tests", 0, "stop after `n` test executions (0: no limit)")
	f.BoolVarP(&verbose, "verbose", "v", false, "show the services' output, and one line per execution also on a terminal")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the summary (and the report's location)")
	f.StringVar(&traceFile, "trace", "", "write every request the coordinator receives, and its answer, to `file` (JSON lines)")
	f.BoolVar(&unreached, "allow-unreached", false, "exit 0 even when scheduled faults never landed (they are still reported)")
	f.StringVar(&reportDir, "report", "", "write the report folder to `dir` (default .filibuster/report/<application>)")
	f.BoolVar(&corpus, "corpus", false, "explore each dir with and without dynamic reduction and compare with its expected counts")
	f.IntVar(&parallel, "parallel", 1, "run `K` executions at once, each against its own copy of the application (same answers)")
	f.IntVar(&workers, "workers", 0, "have up to `K` worker processes run the executions (filibuster-gen worker), instead of copies started here")
	f.StringVar(&addr, "addr", "", "`address` the coordinator listens on (default 127.0.0.1, a free port); workers elsewhere need one they reach")
	return cmd
}

// runOne runs one application, calls explored, prints its summary and writes its
// report to reportDir ("" means .filibuster/report/<application>).
func runOne(ctx context.Context, opts e2e.Options, stdout io.Writer, reportDir string, explored func()) error {
	res, rep, err := runReported(ctx, opts)
	explored()
	if rep != nil {
		if reportDir == "" {
			reportDir = filepath.Join(".filibuster", "report", rep.Application)
		}
		if res != nil && res.Summary != nil && res.Summary.Failed && opts.Replay == "" && opts.CounterexampleFile != "" {
			rep.ReplayCommand = fmt.Sprintf("filibuster-gen run %s --counterexample-file %s", opts.Dir, opts.CounterexampleFile)
		}
		if err != nil {
			rep.Error = err.Error()
		}
		if werr := report.Write(reportDir, rep); werr != nil {
			return exitError{2, werr.Error()}
		}
		defer fmt.Fprintf(stdout, "  report: %s\n", filepath.Join(reportDir, report.HTMLFile))
	}
	if err != nil {
		if ctx.Err() != nil {
			return exitError{130, "interrupted; every service was stopped"}
		}
		return exitError{2, err.Error()}
	}
	s := res.Summary
	mode := "on"
	if !opts.DynamicReduction {
		mode = "off"
	}
	if opts.Replay != "" {
		fmt.Fprintf(stdout, "%s: replayed %s: ", res.Name, opts.Replay)
		if s.Failed {
			fmt.Fprintln(stdout, "the functional test failed again (reproduced)")
			return exitError{1, ""}
		}
		fmt.Fprintln(stdout, "the functional test passed")
		return nil
	}
	fmt.Fprintf(stdout, "%s: %d test executions ran, %d pruned by dynamic reduction (%s), %d attempted",
		res.Name, s.ExecutionsRan, s.Pruned, mode, s.TestsAttempted)
	switch {
	case s.Failed:
		fmt.Fprintln(stdout, "; a test execution FAILED")
	case len(s.Unreached) > 0:
		fmt.Fprintf(stdout, "; %d passed, %d NOT TESTED: their faults never landed\n", s.Passed, len(s.Unreached))
		for _, u := range s.Unreached {
			fmt.Fprintf(stdout, "  execution %d: %s\n", u.Execution, strings.Join(u.Faults, "; "))
		}
	default:
		fmt.Fprintln(stdout, "; all passed, every scheduled fault injected")
	}
	if s.Lanes > 1 || opts.Workers > 0 {
		fmt.Fprintf(stdout, "  parallel: %d lanes, %d executions run ahead of their turn, %d of them discarded (wasted)\n", s.Lanes, s.RanAhead, s.Discarded)
	}
	if s.Diverged > 0 {
		fmt.Fprintf(stdout, "  %d executions were nondeterministic: their calls differed from the ones they were scheduled from\n", s.Diverged)
	}
	fmt.Fprintf(stdout, "  generate %v (%d sites), analysis %v, build %v, exploration %v\n",
		round(res.GenerateTime), res.Sites, round(res.AnalysisTime), round(res.BuildTime), round(s.Elapsed))
	printReach(stdout, res.ClientSites, s.CallSites)
	if s.Failed {
		fmt.Fprintf(stdout, "  counterexample written to %s; replay it with:\n", opts.CounterexampleFile)
		fmt.Fprintf(stdout, "    filibuster-gen run %s --counterexample-file %s\n", opts.Dir, opts.CounterexampleFile)
		return exitError{1, ""}
	}
	if s.Incomplete {
		return exitError{1, "scheduled faults never landed: the exploration did not test them (--allow-unreached accepts this)"}
	}
	return nil
}

// runCorpus explores every application with and without dynamic reduction and fails
// unless every count matches.
func runCorpus(ctx context.Context, dirs []string, parallel int, stdout, stderr io.Writer, quiet bool) error {
	opts := e2e.CorpusOptions{Dirs: dirs, Out: stdout, Parallel: parallel}
	if !quiet {
		opts.Log = stderr
	}
	rows, err := e2e.Corpus(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return exitError{130, "interrupted; every service was stopped"}
		}
		return exitError{2, err.Error()}
	}
	for _, r := range rows {
		if !r.Match() {
			return exitError{1, ""}
		}
	}
	if len(rows) != 2*len(dirs) {
		return exitError{1, ""}
	}
	return nil
}

// round rounds d for display.
func round(d time.Duration) time.Duration {
	return d.Round(10 * time.Millisecond)
}

// printReach says where the calls the exploration saw were made from: the call sites the
// generator listed, and the lines of the services' code whose calls were made inside
// libraries, and the call sites outside Go files (services run by a command, which
// instrument themselves); and which listed call sites no execution reached.
func printReach(w io.Writer, listed []string, seen map[string]int) {
	isListed := make(map[string]bool, len(listed))
	for _, l := range listed {
		isListed[l] = true
	}
	var direct, library, other []string
	for site, n := range seen {
		file, _, _ := strings.Cut(site, ":")
		switch {
		case isListed[site]:
			direct = append(direct, site)
		case !strings.HasSuffix(file, ".go"):
			other = append(other, fmt.Sprintf("%s (%d calls)", site, n))
		default:
			library = append(library, fmt.Sprintf("%s (%d calls)", site, n))
		}
	}
	sort.Strings(library)
	sort.Strings(other)
	fmt.Fprintf(w, "  calls seen from %d call sites: %d listed by the generator, %d reached inside libraries",
		len(seen), len(direct), len(library))
	if len(library) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(library, ", "))
	}
	if len(other) > 0 {
		fmt.Fprintf(w, ", %d in services not written in Go (%s)", len(other), strings.Join(other, ", "))
	}
	fmt.Fprintln(w)
	var missed []string
	for _, l := range listed {
		if seen[l] == 0 {
			missed = append(missed, l)
		}
	}
	if len(missed) > 0 {
		sort.Strings(missed)
		fmt.Fprintf(w, "  listed call sites no execution reached: %s\n", strings.Join(missed, ", "))
	}
}

// runReported is e2e.Run and the exploration's report, nil when the exploration did
// not start.
func runReported(ctx context.Context, opts e2e.Options) (*e2e.Result, *report.Report, error) {
	res, err := e2e.Run(ctx, opts)
	if res == nil || res.Summary == nil || res.Summary.Report == nil {
		return res, nil, err
	}
	rep := &report.Report{
		Application: res.Name,
		Command:     commandLine(),
		Manifest:    res.Manifest,
		Exploration: res.Summary.Report,
	}
	if res.ManifestErr != nil && opts.Log != nil {
		fmt.Fprintf(opts.Log, "%s: the report has no manifest: %v\n", res.Name, res.ManifestErr)
	}
	return res, rep, err
}

// commandLine is the command line filibuster-gen was run with, for the report.
func commandLine() string {
	args := []string{"filibuster-gen"}
	for _, a := range os.Args[1:] {
		args = append(args, shellWord(a))
	}
	return strings.Join(args, " ")
}

// shellWord quotes s for sh when it needs it.
func shellWord(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"$\\;&|<>()*?[]#~`!{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

// statusLine keeps one line of a terminal up to date with an exploration's progress.
type statusLine struct {
	w     io.Writer
	name  string
	shown time.Time
	last  *coordinator.Progress // not shown yet
}

// update rewrites the line, at most ten times a second unless the execution failed.
func (l *statusLine) update(p coordinator.Progress) {
	l.last = &p
	if p.Failed || time.Since(l.shown) >= 100*time.Millisecond {
		l.show()
	}
}

func (l *statusLine) show() {
	fmt.Fprintf(l.w, "\r\033[K%s", statusText(l.name, *l.last))
	l.shown, l.last = time.Now(), nil
}

// end shows the last counts and ends the line.
func (l *statusLine) end() {
	if l.last != nil {
		l.show()
	}
	if !l.shown.IsZero() {
		fmt.Fprintln(l.w)
	}
}

// statusText describes p in one line: the counts, the rate and an estimate of the
// time the queued executions take (more may be scheduled, some will be pruned).
func statusText(name string, p coordinator.Progress) string {
	failed := 0
	if p.Failed {
		failed = 1
	}
	line := fmt.Sprintf("%s: %d done, %d pruned, %d queued, %d failed", name, p.Ran, p.Pruned, p.Queued, failed)
	if p.NotTested > 0 {
		line += fmt.Sprintf(", %d NOT TESTED", p.NotTested)
	}
	if p.Ran == 0 || p.Elapsed <= 0 {
		return line
	}
	per := p.Elapsed / time.Duration(p.Ran)
	line += fmt.Sprintf(", %.1f/s", float64(p.Ran)/p.Elapsed.Seconds())
	if p.Queued > 0 && !p.Failed {
		left := per * time.Duration(p.Queued)
		if left < 10*time.Second {
			left = left.Round(100 * time.Millisecond)
		} else {
			left = left.Round(time.Second)
		}
		line += fmt.Sprintf(", estimate: %v more for the queued (more may be scheduled)", left)
	}
	return line
}
