package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/filibuster-go/filibuster-gen/rewrite"
	"github.com/spf13/cobra"
)

// newGenerateCmd returns the root command, which writes instrumented copies.
func newGenerateCmd() *cobra.Command {
	var (
		cfg      rewrite.Config
		services []string
		check    bool
		list     bool
	)
	cmd := &cobra.Command{
		Use:   "filibuster-gen [flags] [packages]",
		Short: "Instrument net/http call sites and handlers for fault injection",
		Long: `filibuster-gen finds the net/http client calls and handler registrations of the
named packages (default ./...) by type and writes instrumented copies of the files that
hold them under .filibuster/ at the module root, with overlay.json for
go build -overlay and go test -overlay, and manifest.json listing every site.
The original files are never modified.

Typical use, from the module root:

	filibuster-gen ./...
	go build -overlay .filibuster/overlay.json ./...

or from a //go:generate line:

	//go:generate go run github.com/filibuster-go/filibuster-gen/cmd/filibuster-gen ./...

The functional test is never instrumented: _test.go files are left alone, and so is
every package whose own source imports the filibuster runtime (to call
WasFaultInjected). --exclude leaves other packages alone. Their sites are listed with
the reason.`,
		Args:          cobra.ArbitraryArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Patterns = args
			var err error
			if cfg.Services, err = parseServices(services); err != nil {
				return err
			}
			plan, err := rewrite.Build(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			for _, p := range plan.UnmatchedExcludes {
				fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen: warning: --exclude %s matched no packages\n", p)
			}
			switch {
			case list:
				return printSites(cmd.OutOrStdout(), plan.Sites)
			case check:
				stale, err := plan.Stale()
				if err != nil {
					return err
				}
				if len(stale) > 0 {
					return exitError{code: 1, msg: fmt.Sprintf("%s is stale: %s", plan.Out, strings.Join(stale, ", "))}
				}
				return nil
			}
			if err := plan.Write(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen: %s; overlay: %s\n",
				rewrite.Summary(plan.Sites), plan.Out+string(os.PathSeparator)+"overlay.json")
			if plan.Reused > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "filibuster-gen: %d package directories analyzed, %d unchanged since the last run taken from %s\n",
					plan.Analyzed, plan.Reused, plan.Out)
			}
			if plan.NetHTTP {
				fmt.Fprintln(cmd.ErrOrStderr(), "filibuster-gen: net/http is instrumented too: calls made inside libraries and requests served by frameworks are reported")
			}
			for _, w := range plan.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "filibuster-gen: warning: "+w)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfg.Out, "out", "o", "", "output `directory` (default .filibuster at the module root)")
	f.StringVar(&cfg.Tags, "tags", "", "build `tags`, passed through to the build system")
	f.StringArrayVar(&services, "service", nil, "service name of a main package, as `dir=name` (dir relative to the module root)")
	f.BoolVar(&cfg.NoNetHTTP, "no-net-http", false, "leave net/http as it is: instrument only the sites found (calls inside libraries and requests served by frameworks are then not reported)")
	f.StringArrayVar(&cfg.Exclude, "exclude", nil, "never instrument the packages matching `pattern` (./dir, ./dir/...: relative to the module root); repeatable")
	f.BoolVar(&check, "check", false, "exit non-zero when the output directory is stale, writing nothing")
	f.BoolVar(&list, "list", false, "print the call sites and handlers found, writing nothing")
	return cmd
}

// parseServices parses --service dir=name flags.
func parseServices(flags []string) (map[string]string, error) {
	m := make(map[string]string)
	for _, s := range flags {
		dir, name, ok := strings.Cut(s, "=")
		if !ok || dir == "" || name == "" {
			return nil, fmt.Errorf("--service %q: want dir=name", s)
		}
		m[strings.TrimPrefix(strings.TrimSuffix(dir, "/"), "./")] = name
	}
	return m, nil
}

// printSites writes one line per site, the skipped ones with their reason.
func printSites(w io.Writer, sites []rewrite.SiteInfo) error {
	sorted := append([]rewrite.SiteInfo(nil), sites...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Instrumented && !sorted[j].Instrumented })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range sorted {
		status := "instrumented"
		if s.Via != "" {
			status += " (through the " + s.Via + ", left as written)"
		}
		if !s.Instrumented {
			status = "skipped: " + s.Reason
		}
		fmt.Fprintf(tw, "%s:%d:%d\t%s\t%s\t%s\t%s\n", s.File, s.Line, s.Column, s.Kind, s.Callee, s.Func, status)
	}
	return tw.Flush()
}
