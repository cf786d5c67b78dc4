package e2e

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// CorpusOptions says how to run the corpus.
type CorpusOptions struct {
	// Dirs are the application directories. Each must have expected counts in its
	// config.
	Dirs []string
	// Out receives the table.
	Out io.Writer
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Parallel is ExploreOptions.Parallel for every exploration.
	Parallel int
}

// CorpusRow is one line of the corpus table: one application explored with one
// reduction setting.
type CorpusRow struct {
	App              string
	DynamicReduction bool
	Expected, Got    int
	Pruned           int
	Failed           bool
	Unreached        int // executions whose scheduled faults never landed
	Build, Elapsed   time.Duration
	Err              error
}

// Match reports whether the row reproduces the paper: the expected number of test
// executions, all of them passing with every scheduled fault injected.
func (r CorpusRow) Match() bool {
	return r.Err == nil && !r.Failed && r.Unreached == 0 && r.Got == r.Expected
}

// Corpus explores every application twice, with dynamic reduction off and on, building
// each application once, and writes a table comparing the numbers of test executions
// with the paper's. Its last line is "corpus: K/N counts match". It returns the rows;
// the error is about setup only (an application that fails to build or run is a row
// that does not match).
func Corpus(ctx context.Context, opts CorpusOptions) ([]CorpusRow, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	fmt.Fprintf(out, "%-16s %-9s %8s %5s %6s %8s %8s  %s\n", "APP", "REDUCTION", "EXPECTED", "GOT", "PRUNED", "BUILD", "ELAPSED", "RESULT")
	var rows []CorpusRow
	start := time.Now()
	for _, dir := range opts.Dirs {
		cfg, err := deploy.LoadConfig(dir)
		if err != nil {
			return rows, err
		}
		if cfg.Expected == nil {
			return rows, fmt.Errorf("%s: no expected counts in %s", dir, deploy.ConfigFile)
		}
		app, err := Prepare(ctx, BuildOptions{Dir: dir, Log: opts.Log})
		for _, dr := range []bool{false, true} {
			row := CorpusRow{App: cfg.Name, DynamicReduction: dr, Expected: cfg.Expected.WithoutReduction}
			if dr {
				row.Expected = cfg.Expected.WithReduction
			}
			if err != nil {
				row.Err = err
			} else {
				if !dr {
					row.Build = app.GenerateTime + app.AnalysisTime + app.BuildTime
				}
				t0 := time.Now()
				summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: dr, Parallel: opts.Parallel})
				row.Elapsed = time.Since(t0)
				if summary != nil {
					row.Got, row.Pruned, row.Failed = summary.ExecutionsRan, summary.Pruned, summary.Failed
					row.Unreached = len(summary.Unreached)
				}
				row.Err = err
			}
			rows = append(rows, row)
			writeRow(out, row)
			if ctx.Err() != nil {
				break
			}
		}
		if app != nil {
			app.Close()
		}
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	matched := 0
	for _, r := range rows {
		if r.Match() {
			matched++
		}
	}
	fmt.Fprintf(out, "total time %v\n", time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(out, "corpus: %d/%d counts match\n", matched, 2*len(opts.Dirs))
	return rows, nil
}

// writeRow writes one row of the corpus table, and its error on the next line.
func writeRow(w io.Writer, r CorpusRow) {
	reduction := "off"
	if r.DynamicReduction {
		reduction = "on"
	}
	build := "-"
	if r.Build > 0 {
		build = r.Build.Round(100 * time.Millisecond).String()
	}
	result := "ok"
	switch {
	case r.Err != nil:
		result = "ERROR"
	case r.Failed:
		result = "FAILED (a test execution failed)"
	case r.Unreached > 0:
		result = fmt.Sprintf("NOT TESTED (%d executions' faults never landed)", r.Unreached)
	case r.Got != r.Expected:
		result = "MISMATCH"
	}
	fmt.Fprintf(w, "%-16s %-9s %8d %5d %6d %8s %8s  %s\n", r.App, reduction, r.Expected, r.Got, r.Pruned,
		build, r.Elapsed.Round(100*time.Millisecond), result)
	if r.Err != nil {
		fmt.Fprintf(w, "    %v\n", r.Err)
	}
}
