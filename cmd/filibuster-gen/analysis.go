package main

import (
	"fmt"

	"github.com/filibuster-go/filibuster-gen/analysis"
	"github.com/filibuster-go/filibuster-gen/faultmodel"
	"github.com/filibuster-go/filibuster-gen/internal/fsutil"
	"github.com/filibuster-go/filibuster-gen/rewrite"
	"github.com/spf13/cobra"
)

func newAnalysisCmd() *cobra.Command {
	var (
		cfg      rewrite.Config
		services []string
		out      string
		format   string
		def      bool
	)
	cmd := &cobra.Command{
		Use:   "analysis [flags] [packages]",
		Short: "Derive each service's fault model from its Go source",
		Long: `analysis writes the analysis file (the faults a coordinator tries) for the main
packages among the named packages (default ./...): connection refused on every net/http
call, a timeout on calls that have one, and, per service, the error statuses its handlers
can answer (found by type in http.Error, WriteHeader and http.NotFound, following calls
into the module) plus 500. Statuses that are not constants are reported on stderr.

Main packages that import the filibuster runtime (functional tests) and those matching
--exclude are not services. Two services with one name are an error: name one with
--service dir=name.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "json" && format != "table" {
				return fmt.Errorf("--format %q: want json or table", format)
			}
			var file *faultmodel.File
			if def {
				file = faultmodel.Default()
			} else {
				cfg.Patterns = args
				var err error
				if cfg.Services, err = parseServices(services); err != nil {
					return err
				}
				report, err := analysis.Run(cmd.Context(), cfg)
				if err != nil {
					return err
				}
				for _, u := range report.Unresolved {
					fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen analysis: status not resolved statically: %s\n", u)
				}
				if format == "table" {
					if err := analysis.WriteTable(cmd.OutOrStdout(), report); err != nil {
						return err
					}
				}
				file = report.File()
			}
			data, err := analysis.Marshal(file)
			if err != nil {
				return err
			}
			if out == "" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			return fsutil.WriteFileAtomic(out, data)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "write the analysis file to `file` instead of stdout")
	f.StringVar(&cfg.Tags, "tags", "", "build `tags`, passed through to the build system")
	f.StringArrayVar(&services, "service", nil, "service name of a main package, as `dir=name`")
	f.StringArrayVar(&cfg.Exclude, "exclude", nil, "main packages matching `pattern` (./dir, ./dir/...: relative to the module root) are not services; repeatable")
	f.StringVar(&format, "format", "json", "output `format`: json, or table (a table, then the JSON)")
	f.BoolVar(&def, "default", false, "print the built-in default analysis for Go services")
	return cmd
}
