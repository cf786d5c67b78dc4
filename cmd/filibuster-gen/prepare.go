package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/filibuster-go/filibuster-gen/e2e"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/spf13/cobra"
)

// newPrepareCmd returns the prepare command: instrument, analyse and build an
// application into a work directory for a test to run (package filibustertest).
func newPrepareCmd() *cobra.Command {
	var workDir, analysisFile string
	cmd := &cobra.Command{
		Use:   "prepare [flags] dir",
		Short: "Instrument, analyse and build an application for a Go test to explore",
		Long: `Prepare does what run does before it starts anything: it instruments the
services of the application in dir (described by dir/filibuster.json), derives its
analysis file and builds the services and the functional test, into the work
directory (default dir/.filibuster/test). It then writes the work directory's
built.json, which describes what was built and how to start it, and sites.json, the
generator's manifest with each site's service; package filibustertest runs the
application from there. A second prepare of an unchanged application
reuses what the first one generated and built.`,
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			dir, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			if workDir == "" {
				workDir = filepath.Join(dir, ".filibuster", "test")
			}
			app, err := e2e.Prepare(ctx, e2e.BuildOptions{Dir: dir, AnalysisFile: analysisFile, WorkDir: workDir, Log: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			sites, err := app.Manifest()
			if err != nil {
				return err
			}
			data, err := json.MarshalIndent(sites, "", "  ")
			if err != nil {
				return fmt.Errorf("encoding the sites: %w", err)
			}
			app.SitesFile = filepath.Join(app.WorkDir, "sites.json")
			if err := os.WriteFile(app.SitesFile, append(data, '\n'), 0o644); err != nil {
				return fmt.Errorf("writing the sites: %w", err)
			}
			if err := deploy.WriteBuilt(app.WorkDir, &app.Built); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), filepath.Join(app.WorkDir, deploy.BuiltFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&workDir, "work", "", "work `directory` (default dir/.filibuster/test)")
	f.StringVar(&analysisFile, "analysis-file", "", "use this analysis `file` instead of the static analysis")
	return cmd
}
