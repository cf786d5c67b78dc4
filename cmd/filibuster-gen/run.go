package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholder until the end-to-end runner lands.
func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run [dir]",
		Short: "Generate, build, start and explore an application end to end",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("run not implemented yet")
		},
	}
}
