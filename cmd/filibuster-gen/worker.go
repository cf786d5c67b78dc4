package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/filibuster-go/filibuster-gen/e2e"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/spf13/cobra"
)

// newWorkerCmd returns the worker command: run executions leased from a coordinator
// exploring with workers (run --workers).
func newWorkerCmd() *cobra.Command {
	var coordinatorURL string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "worker --coordinator URL (dir | built.json)",
		Short: "Run executions leased from a coordinator that explores with workers",
		Long: `Worker registers with the coordinator at --coordinator (started by
"filibuster-gen run --workers K --addr host:port dir"), starts a copy of the
application on free ports of 127.0.0.1 with its services reporting to the lane it was
given, and runs the functional test once per execution it leases, until the
exploration is over. It then stops the services and exits 0.

The application is either a directory with a filibuster.json, which worker prepares
as run does, or the built.json that "filibuster-gen prepare" wrote (a container image
can hold one prepared at build time). Each worker needs a copy of the application of
its own: one per machine, pod or network namespace, or several on one machine, each
on its own ports. See docs/scale.md.`,
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if coordinatorURL == "" {
				return exitError{2, "worker needs --coordinator URL"}
			}
			var built *deploy.Built
			if filepath.Base(args[0]) == deploy.BuiltFile {
				b, err := deploy.ReadBuilt(filepath.Dir(args[0]))
				if err != nil {
					return exitError{2, err.Error()}
				}
				built = b
			} else {
				app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: args[0], Log: cmd.ErrOrStderr()})
				if err != nil {
					return exitError{2, err.Error()}
				}
				defer app.Close()
				built = &app.Built
			}
			opts := e2e.WorkOptions{Coordinator: coordinatorURL, Log: cmd.ErrOrStderr()}
			if verbose {
				opts.Echo = cmd.ErrOrStderr()
			}
			n, err := e2e.Work(ctx, built, opts)
			if err != nil {
				if ctx.Err() != nil {
					return exitError{130, "interrupted; every service was stopped"}
				}
				return exitError{2, err.Error()}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "worker: ran %d executions; the exploration is over\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&coordinatorURL, "coordinator", "", "the coordinator's `URL`, as this machine and its services reach it")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the services' output")
	return cmd
}
