package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the static analysis lands.
func newAnalysisCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "analysis [packages]",
		Short: "Derive each service's fault model from its Go source",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("analysis not implemented yet")
		},
	}
}
