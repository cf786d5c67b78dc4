package main

import (
	"fmt"

	"github.com/filibuster-go/filibuster-gen/analysis"
	"github.com/filibuster-go/filibuster-gen/rewrite"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
	"github.com/spf13/cobra"
)

func newAnalysisCmd() *cobra.Command {
	var (
		cfg      rewrite.Config
		services []string
		out      string
		format   string
		def      bool
		sinks    []string
		includes []string
	)
	cmd := &cobra.Command{
		Use:   "analysis [flags] [packages]",
		Short: "Derive each service's fault model from its Go source",
		Long: `analysis writes the analysis file (the faults a coordinator tries) for the main
packages among the named packages (default ./...): connection refused on every net/http
call, a timeout on calls that have one, and, per service, the error statuses its handlers
can answer plus 500. A status is followed from the call that answers it (net/http, gin,
echo, chi's render, and the sinks of --sinks tables) back to its constants, through the
module's helpers, returns, variables, branches, struct fields and tables. Statuses that
cannot be followed are reported on stderr with the call site that passes them; add them
by hand with an --include file (docs/analysis.md).

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
				var opts analysis.Options
				for _, path := range sinks {
					s, err := analysis.ReadSinks(path)
					if err != nil {
						return err
					}
					opts.Sinks = append(opts.Sinks, s...)
				}
				report, err := analysis.RunOptions(cmd.Context(), cfg, opts)
				if err != nil {
					return err
				}
				for _, u := range report.Unresolved {
					fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen analysis: status not resolved statically: %s\n", u)
				}
				if len(report.Unresolved) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen analysis: add the statuses these can take by hand in a file given with --include (docs/analysis.md)\n")
				}
				if format == "table" {
					if err := analysis.WriteTable(cmd.OutOrStdout(), report); err != nil {
						return err
					}
				}
				file = report.File()
			}
			for _, path := range includes {
				inc, err := faultmodel.ReadFile(path)
				if err != nil {
					return err
				}
				if err := file.Merge(inc); err != nil {
					return fmt.Errorf("--include %s: %w", path, err)
				}
			}
			data, err := analysis.Marshal(file)
			if err != nil {
				return err
			}
			if out == "" {
				_, err := cmd.OutOrStdout().Write(data)
				return err
			}
			return faultmodel.WriteFile(out, data)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "write the analysis file to `file` instead of stdout")
	f.StringVar(&cfg.Tags, "tags", "", "build `tags`, passed through to the build system")
	f.StringArrayVar(&services, "service", nil, "service name of a main package, as `dir=name`")
	f.StringArrayVar(&cfg.Exclude, "exclude", nil, "main packages matching `pattern` (./dir, ./dir/...: relative to the module root) are not services; repeatable")
	f.StringVar(&format, "format", "json", "output `format`: json, or table (a table, then the JSON)")
	f.StringArrayVar(&sinks, "sinks", nil, "add the sinks of the JSON table in `file` (docs/analysis.md); repeatable")
	f.StringArrayVar(&includes, "include", nil, "merge the rules of the analysis file `file` into the result (docs/analysis.md); repeatable")
	f.BoolVar(&def, "default", false, "print the built-in default analysis for Go services")
	return cmd
}
