// Command filibuster-gen instruments the net/http calls and handlers of Go services for
// service-level fault injection testing in the style of Filibuster, and runs the
// coordinator that explores their failures.
//
// Usage:
//
//	filibuster-gen [flags] [packages]        write instrumented copies under .filibuster/
//	filibuster-gen analysis [packages]       derive each service's fault model
//	filibuster-gen explore --functional-test CMD
//	                                         run the exploration loop with the embedded coordinator
//	filibuster-gen serve                     serve the coordinator endpoints only
//	filibuster-gen run [dir]                 generate, build, start and explore an application
//	filibuster-gen prepare dir               generate and build an application for a Go test
//	filibuster-gen report dir                regenerate a report folder's index.html
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	root := newGenerateCmd()
	root.AddCommand(
		newAnalysisCmd(),
		newExploreCmd(),
		newServeCmd(),
		newRunCmd(),
		newPrepareCmd(),
		newReportCmd(),
		newWorkerCmd(),
	)
	if err := root.Execute(); err != nil {
		var exit exitError
		if !errors.As(err, &exit) || exit.msg != "" {
			fmt.Fprintf(os.Stderr, "filibuster-gen: %v\n", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status out of a command. An empty message means
// the command has already reported the problem.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func exitCode(err error) int {
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	return 1
}
