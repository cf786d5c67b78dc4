package e2e

import (
	"context"
	"errors"
	"fmt"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

// ExploreOptions says how to explore a prepared application.
type ExploreOptions struct {
	// DynamicReduction turns the coordinator's dynamic reduction on.
	DynamicReduction bool
	// CounterexampleFile is where a failing execution is written.
	CounterexampleFile string
	// Replay, when set, names a counterexample file to replay instead of exploring.
	Replay string
	// MaxTests bounds the number of test executions; 0 means no bound.
	MaxTests int
	// AllowUnreached accepts scheduled faults that never landed (see
	// coordinator.Options.AllowUnreached).
	AllowUnreached bool
	// Progress receives the coordinator's progress lines and the functional test's
	// output; nil is quiet.
	Progress io.Writer
	// OnProgress, when set, is told the counts after each execution (see
	// coordinator.Options.OnProgress).
	OnProgress func(coordinator.Progress)
	// Echo, when not nil, receives the services' output.
	Echo io.Writer
	// Trace, when not nil, receives every request the coordinator gets and its answer,
	// one JSON object per line (see coordinator.Trace).
	Trace io.Writer
	// Parallel runs that many executions at once, each against a copy of the
	// application of its own (see coordinator.Options.Parallel); 0 and 1 run one at
	// a time. The executions, their order and the counts are the same.
	Parallel int
	// Workers, when not 0, has the executions run by up to that many worker processes
	// (see Work) instead of copies started here: the coordinator listens on Addr and
	// uses each lane once a worker registered for it.
	Workers int
	// Addr is the address the coordinator listens on; default 127.0.0.1 on a free
	// port. Workers on other machines need an address they can reach.
	Addr string
	// OnListen, when set, is told the coordinator's URL once it listens (for example
	// to start the workers).
	OnListen func(url string)
}

// Explore starts a coordinator on a free port of 127.0.0.1, starts the application's
// services pointed at it, runs the exploration with the functional test, and stops
// everything, also when ctx is cancelled or something fails. With Workers, it starts
// no services: the workers run the executions.
func (a *App) Explore(ctx context.Context, opts ExploreOptions) (*coordinator.Summary, error) {
	if a.Analysis == nil {
		return nil, errors.New("the application was built uninstrumented")
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening for the coordinator: %w", err)
	}
	filibusterURL := "http://" + ln.Addr().String()

	// The services must be running before the coordinator can run the functional test,
	// and the functional test needs their addresses: start them first. They only talk
	// to the coordinator once a test sends them a request. A parallel exploration
	// starts one copy per lane, each reporting to its lane.
	lanes := max(1, opts.Parallel)
	if opts.Workers > 0 {
		lanes = opts.Workers
	}
	if lanes > 1 && opts.Replay != "" {
		ln.Close()
		return nil, errors.New("a replay runs one execution: it cannot be parallel")
	}
	testCmd := shellQuote(a.Binary(a.Config.FunctionalTest))
	var test func(context.Context) (bool, error) // with workers, theirs
	if opts.Workers == 0 {
		tests := make([]func(context.Context) (bool, error), lanes)
		for lane := range lanes {
			laneURL := coordinator.LaneURL(filibusterURL, lane)
			dep, err := a.Start(ctx, deploy.StartOptions{
				FilibusterURL: laneURL,
				Echo:          opts.Echo,
				StrictPorts:   opts.Replay != "",
				Copy:          lane,
			})
			if err != nil {
				ln.Close()
				return nil, err
			}
			defer dep.Stop()
			out := opts.Progress
			if lanes > 1 {
				out = nil // runs ahead would interleave, and some are discarded: the report keeps each output
			}
			tests[lane] = coordinator.CommandTest(shellQuote(dep.FunctionalTest()), dep.TestEnv(laneURL), out)
		}
		test = func(ctx context.Context) (bool, error) {
			return tests[coordinator.ExecutionFrom(ctx).Lane](ctx)
		}
	}

	coord := coordinator.New(coordinator.Options{
		Analysis:           a.Analysis,
		DynamicReduction:   opts.DynamicReduction,
		MaxTests:           opts.MaxTests,
		FunctionalTest:     test,
		FunctionalTestName: testCmd,
		AllowUnreached:     opts.AllowUnreached,
		Progress:           opts.Progress,
		OnProgress:         opts.OnProgress,
		CounterexampleFile: opts.CounterexampleFile,
		Replay:             opts.Replay,
		Parallel:           lanes,
		Workers:            opts.Workers > 0,
	})
	var handler http.Handler = coord
	if opts.Trace != nil {
		handler = coordinator.Trace(coord, opts.Trace)
	}
	srv := &http.Server{Handler: coordinator.Streams(handler), ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if opts.OnListen != nil {
		opts.OnListen(filibusterURL)
	}
	defer func() {
		srv.Close()
		<-serveErr
	}()

	summary, err := coord.Explore(ctx)
	coord.AwaitWorkers(coordinator.LeaseWait + 10*time.Second) // let each worker hear it is over
	if err != nil {
		return summary, fmt.Errorf("exploring %s: %w", a.Config.Name, err)
	}
	return summary, nil
}

// Options says how to run an application end to end.
type Options struct {
	// Dir is the application directory, which holds filibuster.json.
	Dir string
	// AnalysisFile, when set, replaces the static analysis.
	AnalysisFile string
	// WorkDir keeps the generated files, binaries and logs there instead of a
	// temporary directory removed at the end.
	WorkDir string
	// Log receives the runner's progress lines; nil discards them.
	Log io.Writer
	ExploreOptions
}

// Result is what Run reports.
type Result struct {
	// Summary is the coordinator's summary of the exploration.
	Summary *coordinator.Summary
	// Name is the application's name.
	Name string
	// Sites is the number of call sites and handlers the generator found.
	Sites int
	// ClientSites are the "file:line" of the outgoing call sites the generator
	// instrumented in the services' code.
	ClientSites []string
	// GenerateTime, AnalysisTime and BuildTime say how long each preparation step took.
	GenerateTime, AnalysisTime, BuildTime time.Duration
	// Manifest is the generator's manifest (App.Manifest), for the report; nil, with
	// ManifestErr, when it could not be read.
	Manifest    []report.Site
	ManifestErr error
}

// Run prepares an application (generate, analyse, build), explores it and cleans up.
// The Result is returned also when the exploration itself fails, if it got that far.
func Run(ctx context.Context, opts Options) (*Result, error) {
	app, err := Prepare(ctx, BuildOptions{Dir: opts.Dir, AnalysisFile: opts.AnalysisFile, WorkDir: opts.WorkDir, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	defer app.Close()
	res := &Result{
		Name:         app.Config.Name,
		Sites:        app.Sites,
		ClientSites:  app.ClientSites,
		GenerateTime: app.GenerateTime,
		AnalysisTime: app.AnalysisTime,
		BuildTime:    app.BuildTime,
	}
	res.Manifest, res.ManifestErr = app.Manifest()
	res.Summary, err = app.Explore(ctx, opts.ExploreOptions)
	return res, err
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
