package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
	"github.com/spf13/cobra"
)

// coordinatorFlags are the flags shared by explore and serve.
type coordinatorFlags struct {
	addr         string
	analysisFile string
	noReduction  bool
}

func (f *coordinatorFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:5005", "`address` the coordinator listens on")
	cmd.Flags().StringVar(&f.analysisFile, "analysis-file", "", "analysis `file` with the faults to try (default: the built-in Go default)")
	cmd.Flags().BoolVar(&f.noReduction, "disable-dynamic-reduction", false, "run every scheduled execution, without dynamic reduction")
}

func (f *coordinatorFlags) analysis() (*faultmodel.File, error) {
	if f.analysisFile == "" {
		return faultmodel.Default(), nil
	}
	return faultmodel.ReadFile(f.analysisFile)
}

// listen serves c on addr until ctx is done.
func listen(ctx context.Context, addr string, c http.Handler) (string, func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("coordinator: %w", err)
	}
	srv := &http.Server{Handler: coordinator.Streams(c), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	stop := func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}
	return "http://" + l.Addr().String(), stop, nil
}

func newExploreCmd() *cobra.Command {
	var (
		flags        coordinatorFlags
		test         string
		maxTests     int
		onlyInitial  bool
		breadthFirst bool
		single       bool
		ceFile       string
		unreached    bool
		quiet        bool
		traceFile    string
		reportDir    string
		manifest     string
		verbose      bool
	)
	cmd := &cobra.Command{
		Use:   "explore --functional-test CMD",
		Short: "Run the fault-injection exploration loop with the embedded coordinator",
		Long: `explore serves the coordinator on --addr and runs the functional test (a shell
command; exit status 0 means it passed) first with no faults, then once per combination of
faults the analysis file calls for, depth-first, pruning with dynamic reduction. The
instrumented services must already run with FILIBUSTER_URL pointing at --addr; the test
gets FILIBUSTER_URL in its environment.

A failing execution stops the run with exit status 1 and writes the counterexample file;
when --counterexample-file names an existing file, explore replays exactly that execution
(and never rewrites it). A scheduled fault that never landed, because the call it was for
did not happen again, is reported and makes the run end INCOMPLETE with exit status 1,
unless --allow-unreached. A fault-free execution that fails, or in which no instrumented
call reports, is an error (exit status 2): nothing would be tested.

The report of the exploration (report.json and a static index.html, see docs/report.md)
is written to --report, by default .filibuster/report/explore; with --manifest (the
generator's manifest.json) its call-site coverage lists every site the generator found.`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if test == "" {
				return errors.New("--functional-test is required")
			}
			analysis, err := flags.analysis()
			if err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer cancel()
			opts := coordinator.Options{
				Analysis:             analysis,
				DynamicReduction:     !flags.noReduction,
				MaxTests:             maxTests,
				OnlyInitial:          onlyInitial,
				BreadthFirst:         breadthFirst,
				SuppressCombinations: single,
				FunctionalTestName:   test,
				CounterexampleFile:   "counterexample.json",
				AllowUnreached:       unreached,
			}
			explored := func() {}
			if !quiet {
				opts.Progress = cmd.ErrOrStderr()
				if isTerminal(opts.Progress) && !verbose {
					// One updating status line; each execution is in the report.
					status := &statusLine{w: opts.Progress, name: "explore"}
					opts.Progress, opts.OnProgress = nil, status.update
					explored = status.end
				}
			}
			if ceFile != "" {
				if _, err := os.Stat(ceFile); err == nil {
					opts.Replay = ceFile
				}
				opts.CounterexampleFile = ceFile
			}
			c := coordinator.New(opts)
			var err2 error
			var handler http.Handler = c
			if traceFile != "" {
				f, err := os.Create(traceFile)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				defer f.Close()
				handler = coordinator.Trace(c, f)
			}
			url, stop, err := listen(ctx, flags.addr, handler)
			if err != nil {
				return err
			}
			defer stop()
			// The command's environment is known only now that the address is.
			c.SetFunctionalTest(coordinator.CommandTest(test, []string{"FILIBUSTER_URL=" + url}, opts.Progress))
			s, err := c.Explore(ctx)
			explored()
			if s != nil && err == nil {
				PrintSummary(cmd.OutOrStdout(), s)
			}
			if s != nil && s.Report != nil {
				rep := &report.Report{Application: "explore", Command: commandLine(), Exploration: s.Report}
				if manifest != "" {
					if rep.Manifest, err2 = report.ReadManifest(manifest); err2 != nil {
						return exitError{code: 2, msg: err2.Error()}
					}
				}
				if s.Failed && opts.Replay == "" {
					rep.ReplayCommand = replayExplore(flags, test, opts.CounterexampleFile)
				}
				if err != nil {
					rep.Error = err.Error()
				}
				if reportDir == "" {
					reportDir = filepath.Join(".filibuster", "report", "explore")
				}
				if err2 = report.Write(reportDir, rep); err2 != nil {
					return exitError{code: 2, msg: err2.Error()}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", filepath.Join(reportDir, report.HTMLFile))
			}
			if err != nil {
				return exitError{code: 2, msg: "filibuster-gen explore: " + err.Error()}
			}
			switch {
			case s.Failed && opts.Replay != "":
				return exitError{code: 1, msg: "the replayed execution failed again (reproduced)"}
			case s.Failed:
				return exitError{code: 1, msg: "a test execution failed; counterexample written to " + opts.CounterexampleFile}
			case s.Incomplete:
				return exitError{code: 1, msg: "scheduled faults never landed: the exploration did not test them (see above; --allow-unreached accepts this)"}
			}
			return nil
		},
	}
	flags.register(cmd)
	f := cmd.Flags()
	f.StringVar(&test, "functional-test", "", "shell `command` that runs the functional test")
	f.IntVar(&maxTests, "max-tests", 0, "stop after `N` executions (0: no bound)")
	f.BoolVar(&onlyInitial, "only-initial-execution", false, "run the fault-free execution only")
	f.BoolVar(&breadthFirst, "breadth-first", false, "explore breadth-first instead of depth-first")
	f.BoolVar(&single, "suppress-combinations", false, "inject at most one fault per execution")
	f.StringVar(&ceFile, "counterexample-file", "", "counterexample `file` to write, or to replay when it exists (default counterexample.json)")
	f.BoolVar(&unreached, "allow-unreached", false, "exit 0 even when scheduled faults never landed (they are still reported)")
	f.BoolVarP(&quiet, "quiet", "q", false, "print only the summary (and the report's location)")
	f.BoolVarP(&verbose, "verbose", "v", false, "one line per execution also on a terminal (default there: one updating status line)")
	f.StringVar(&traceFile, "trace", "", "write every request the coordinator receives, and its answer, to `file` (JSON lines)")
	f.StringVar(&reportDir, "report", "", "write the report folder to `dir` (default .filibuster/report/explore)")
	f.StringVar(&manifest, "manifest", "", "the generator's manifest.json `file`, for the report's call-site coverage")
	return cmd
}

// replayExplore is the explore command that replays the counterexample file ce.
func replayExplore(flags coordinatorFlags, test, ce string) string {
	args := []string{"filibuster-gen", "explore", "--functional-test", shellWord(test), "--counterexample-file", shellWord(ce), "--addr", shellWord(flags.addr)}
	if flags.analysisFile != "" {
		args = append(args, "--analysis-file", shellWord(flags.analysisFile))
	}
	return strings.Join(args, " ")
}

// PrintSummary writes the counts the reference server prints, what was not tested,
// and the times.
func PrintSummary(w io.Writer, s *coordinator.Summary) {
	fmt.Fprintf(w, "executions ran: %d\n", s.ExecutionsRan)
	fmt.Fprintf(w, "pruned by dynamic reduction: %d\n", s.Pruned)
	fmt.Fprintf(w, "tests attempted: %d\n", s.TestsAttempted)
	fmt.Fprintf(w, "total: %d\n", s.Total)
	fmt.Fprintf(w, "passed with every scheduled fault injected: %d\n", s.Passed)
	if len(s.Unreached) > 0 {
		fmt.Fprintf(w, "executions whose faults never landed: %d\n", len(s.Unreached))
		for _, u := range s.Unreached {
			fmt.Fprintf(w, "  execution %d: %s\n", u.Execution, strings.Join(u.Faults, "; "))
		}
	}
	if s.Diverged > 0 {
		fmt.Fprintf(w, "nondeterministic executions (calls differed from their schedule): %d\n", s.Diverged)
	}
	fmt.Fprintf(w, "elapsed: %s (generation %s, reduction %s)\n",
		s.Elapsed.Round(time.Millisecond), s.GenerationTime.Round(time.Microsecond), s.ReductionTime.Round(time.Microsecond))
	fmt.Fprintf(w, "result: %s\n", Verdict(s))
}

// Verdict is one word for an exploration's outcome: passed only when every execution
// passed with every scheduled fault injected (or the unreached ones were allowed).
func Verdict(s *coordinator.Summary) string {
	switch {
	case s.Failed:
		return "FAILED"
	case s.Incomplete:
		return "INCOMPLETE (faults never landed)"
	case len(s.Unreached) > 0:
		return "passed, with faults that never landed (allowed)"
	}
	return "passed"
}

func newServeCmd() *cobra.Command {
	var flags coordinatorFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the coordinator endpoints only, for an external driver",
		Long: `serve answers the coordinator endpoints on --addr until interrupted, without
running a functional test: instrumented services report to it and functional tests can
query it. It injects no faults.`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			analysis, err := flags.analysis()
			if err != nil {
				return err
			}
			ctx, cancel := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer cancel()
			c := coordinator.New(coordinator.Options{Analysis: analysis, DynamicReduction: !flags.noReduction})
			url, stop, err := listen(ctx, flags.addr, c)
			if err != nil {
				return err
			}
			defer stop()
			fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen: coordinator serving on %s\n", url)
			<-ctx.Done()
			return nil
		},
	}
	flags.register(cmd)
	return cmd
}
