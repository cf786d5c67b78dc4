package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newGenerateCmd returns the root command, which writes instrumented copies.
// Placeholder until the generator lands.
func newGenerateCmd() *cobra.Command {
	return &cobra.Command{
		Use:           "filibuster-gen [packages]",
		Short:         "Instrument net/http call sites and handlers for fault injection",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(*cobra.Command, []string) error {
			return errors.New("generator not implemented yet")
		},
	}
}
