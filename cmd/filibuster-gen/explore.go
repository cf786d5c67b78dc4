package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholders until the coordinator lands.
func newExploreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explore",
		Short: "Run the fault-injection exploration loop with the embedded coordinator",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("explore not implemented yet")
		},
	}
}

func newServeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Serve the coordinator endpoints for an external driver",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("serve not implemented yet")
		},
	}
}
