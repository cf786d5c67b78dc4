package main

import (
	"fmt"
	"path/filepath"

	"github.com/filibuster-go/filibuster-gen/runtime/report"
	"github.com/spf13/cobra"
)

// newReportCmd returns the report command: it renders a report folder's index.html
// again from its report.json (docs/report.md).
func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Regenerate a report folder's index.html from its report.json",
		Long: `report reads DIR/report.json, the model that run and explore write after every
exploration, and writes DIR/index.html from it again: a static page that works from
file:// (docs/report.md).`,
		Args:          cobra.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.Regenerate(args[0]); err != nil {
				return exitError{2, err.Error()}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", filepath.Join(args[0], report.HTMLFile))
			return nil
		},
	}
}
