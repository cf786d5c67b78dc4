// Package analysis derives each service's fault model from its Go source: the error
// statuses its handlers can answer, which a coordinator then injects on the calls that
// reach it (protocol.md §5).
//
// Each main package is a service, named as the generator names it, except those the
// generator leaves alone: main packages that import the filibuster runtime (functional
// tests) and those matching Config.Exclude. Two services with one name are an error.
//
// A service's codes are 500, which any service can answer, and the statuses of at least
// 400 that reach a sink (DefaultSinks: http.Error, WriteHeader on any
// http.ResponseWriter, http.NotFound, gin's and echo's responders, echo's HTTPError,
// chi's render.Status; more from a sink table) in the functions the main package
// reaches. A status is followed on the SSA form of the module's packages back to its
// constants: through helpers' parameters and results in any package of the module,
// variables, branches, struct fields, and maps, slices and arrays filled with constants.
// docs/analysis.md says what is and is not followed.
package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"go/token"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/filibuster-go/filibuster-gen/rewrite"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
	"golang.org/x/tools/go/packages"
)

// Code is one error status a service can answer, and where it was found.
type Code struct {
	Status int
	Pos    string // file:line, module-relative, of the constant
}

// Service is one service's fault model.
type Service struct {
	Name    string
	Package string
	Codes   []Code // 500 first, then in order of first appearance
	// GRPCCodes are the gRPC codes the service's handlers return (status.Error and the
	// like), in order of first appearance; Status holds the code's number.
	GRPCCodes []Code
}

// Unresolved is a status value the analysis could not follow to constants.
type Unresolved struct {
	Pos      string   // file:line, module-relative: the call site (or return, or field set) that passes it
	Expr     string   // the expression passed there
	Reason   string   // what the value is, that the analysis does not follow
	Services []string // the services whose handlers reach it
}

func (u Unresolved) String() string {
	return fmt.Sprintf("%s: %s: %s (services %s)", u.Pos, u.Expr, u.Reason, strings.Join(u.Services, ", "))
}

// Report is the result of an analysis.
type Report struct {
	Services   []Service
	Unresolved []Unresolved // sorted by position
}

// Options are what an analysis adds to the defaults.
type Options struct {
	Sinks []Sink // sinks besides DefaultSinks
}

// Analyze returns the analysis file for the services among the packages cfg names.
func Analyze(ctx context.Context, cfg rewrite.Config) (*faultmodel.File, error) {
	r, err := Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return r.File(), nil
}

// Run analyses the services among the packages cfg names, with the default sinks.
func Run(ctx context.Context, cfg rewrite.Config) (*Report, error) {
	return RunOptions(ctx, cfg, Options{})
}

// RunOptions analyses the services among the packages cfg names.
func RunOptions(ctx context.Context, cfg rewrite.Config, opts Options) (*Report, error) {
	dir, err := filepath.Abs(orDefault(cfg.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("resolving directory: %w", err)
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	l := &loader{ctx: ctx, dir: dir, tags: cfg.Tags, fset: token.NewFileSet()}
	roots, all, mod, err := l.load(patterns)
	if err != nil {
		return nil, err
	}

	excludes, err := rewrite.CompileExcludes(cfg.Exclude, mod.Path)
	if err != nil {
		return nil, err
	}

	pr := newProgram(l.fset, mod.Dir, all, append(DefaultSinks(), opts.Sinks...))
	report := &Report{}
	dirs := make(map[string][]string) // service name -> module-relative package directories
	unresolved := make(map[miss]map[string]bool)
	for _, p := range roots {
		if p.Name != "main" || len(p.GoFiles) == 0 {
			continue
		}
		rel, err := filepath.Rel(mod.Dir, filepath.Dir(p.GoFiles[0]))
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", p.PkgPath, err)
		}
		rel = filepath.ToSlash(rel)
		if excludes.Match(rel) != "" || rewrite.DrivesTests(p) {
			continue
		}
		name := rewrite.ServiceName(rel, cfg.Services)
		dirs[name] = append(dirs[name], rel)

		roots := pr.roots(p.Types)
		reached := pr.reach(roots)
		svc := Service{Name: name, Package: p.PkgPath}
		for _, grpc := range []bool{false, true} {
			t := pr.newTracer(reached, grpc)
			for _, fn := range reached {
				t.sinks(fn)
			}
			for _, m := range t.misses {
				if unresolved[m] == nil {
					unresolved[m] = make(map[string]bool)
				}
				unresolved[m][name] = true
			}
			if grpc {
				svc.GRPCCodes = pr.codes(roots, t.origins)
			} else {
				svc.Codes = pr.codes(roots, t.origins, Code{Status: 500, Pos: "(every service)"})
			}
		}
		report.Services = append(report.Services, svc)
	}
	if err := duplicateNames(dirs); err != nil {
		return nil, err
	}
	sort.Slice(report.Services, func(i, j int) bool { return report.Services[i].Name < report.Services[j].Name })
	for m, names := range unresolved {
		u := Unresolved{Pos: pr.position(m.site.pos), Expr: m.site.expr, Reason: m.reason}
		for n := range names {
			u.Services = append(u.Services, n)
		}
		sort.Strings(u.Services)
		report.Unresolved = append(report.Unresolved, u)
	}
	sort.Slice(report.Unresolved, func(i, j int) bool {
		a, b := report.Unresolved[i], report.Unresolved[j]
		if a.Pos != b.Pos {
			return lessPos(a.Pos, b.Pos)
		}
		if a.Expr != b.Expr {
			return a.Expr < b.Expr
		}
		return a.Reason < b.Reason
	})
	return report, nil
}

// lessPos orders "file:line" positions by file, then line.
func lessPos(a, b string) bool {
	fa, la, _ := strings.Cut(a, ":")
	fb, lb, _ := strings.Cut(b, ":")
	if fa != fb {
		return fa < fb
	}
	na, _ := strconv.Atoi(la)
	nb, _ := strconv.Atoi(lb)
	return na < nb
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// duplicateNames reports the service names that more than one main package has: the
// analysis file would hold two rules for one service.
func duplicateNames(dirs map[string][]string) error {
	var msgs []string
	for name, ds := range dirs {
		if len(ds) < 2 {
			continue
		}
		sort.Strings(ds)
		for i, d := range ds {
			if d != "." {
				ds[i] = "./" + d
			}
		}
		msgs = append(msgs, fmt.Sprintf("service name %q is that of %d main packages: %s", name, len(ds), strings.Join(ds, ", ")))
	}
	if len(msgs) == 0 {
		return nil
	}
	sort.Strings(msgs)
	return fmt.Errorf("%s (give each its own name with --service dir=name, or leave one out with --exclude); nothing written", strings.Join(msgs, "; "))
}

// loader loads packages with syntax and types, without tests.
type loader struct {
	ctx  context.Context
	dir  string
	tags string
	fset *token.FileSet
}

// load loads the packages patterns match and every package of their module they
// import, transitively, with syntax and types, in one go so that they share one type
// universe. It returns the matched packages and all of them.
func (l *loader) load(patterns []string) (roots, all []*packages.Package, mod *packages.Module, err error) {
	cfg := &packages.Config{
		Context: l.ctx,
		Dir:     l.dir,
		Fset:    l.fset,
		Mode:    packages.NeedName | packages.NeedImports | packages.NeedDeps | packages.NeedModule,
	}
	if l.tags != "" {
		cfg.BuildFlags = []string{"-tags=" + l.tags}
	}
	// First the import graph, to find the module's packages the roots reach.
	listed, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading packages: %w", err)
	}
	if len(listed) == 0 {
		return nil, nil, nil, fmt.Errorf("no packages match %v", patterns)
	}
	mod = listed[0].Module
	if mod == nil {
		return nil, nil, nil, fmt.Errorf("%s: not in a Go module", l.dir)
	}
	isRoot := make(map[string]bool)
	for _, p := range listed {
		isRoot[p.PkgPath] = true
	}
	var paths []string
	packages.Visit(listed, func(p *packages.Package) bool {
		if p.PkgPath == mod.Path || strings.HasPrefix(p.PkgPath, mod.Path+"/") {
			paths = append(paths, p.PkgPath)
			return true
		}
		return false
	}, nil)
	sort.Strings(paths)

	cfg.Mode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes |
		packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule
	pkgs, err := packages.Load(cfg, paths...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("loading packages: %w", err)
	}
	var msgs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			msgs = append(msgs, e.Error())
		}
		if isRoot[p.PkgPath] {
			roots = append(roots, p)
		}
	}
	if len(msgs) > 0 {
		return nil, nil, nil, fmt.Errorf("packages do not build:\n\t%s", strings.Join(msgs, "\n\t"))
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].PkgPath < roots[j].PkgPath })
	return roots, pkgs, mod, nil
}

// File is the analysis file of the report: connection refused on every net/http call,
// a timeout on calls that have one, and each service's codes.
func (r *Report) File() *faultmodel.File {
	rule := faultmodel.Rule{
		Pattern: `net/http\.`,
		Exceptions: []faultmodel.Exception{
			{Name: "syscall.ECONNREFUSED"},
			{Name: "context.DeadlineExceeded", Restrictions: "timeout"},
		},
	}
	for _, s := range r.Services {
		er := faultmodel.ErrorRule{ServiceName: "^" + regexp.QuoteMeta(s.Name) + "$"}
		for _, c := range s.Codes {
			t, _ := json.Marshal(map[string]any{"return_value": map[string]string{"status_code": strconv.Itoa(c.Status)}})
			er.Types = append(er.Types, t)
		}
		rule.Errors = append(rule.Errors, er)
	}
	file := &faultmodel.File{Rules: []faultmodel.NamedRule{{Name: "net/http", Rule: rule}}}
	if g := r.grpcRule(); g != nil {
		file.Rules = append(file.Rules, faultmodel.NamedRule{Name: "grpc", Rule: *g})
	}
	return file
}

// grpcRule is the rule of gRPC calls (docs/grpc.md): UNAVAILABLE on every call,
// DEADLINE_EXCEEDED on calls with a deadline, and each gRPC service's codes; nil when no
// service returns a gRPC code.
func (r *Report) grpcRule() *faultmodel.Rule {
	const exception = "google.golang.org/grpc/status.Error"
	rule := &faultmodel.Rule{
		Pattern: `grpc\.`,
		Exceptions: []faultmodel.Exception{
			{Name: exception, Metadata: map[string]any{"code": "UNAVAILABLE"}},
			{Name: exception, Metadata: map[string]any{"code": "DEADLINE_EXCEEDED"}, Restrictions: "timeout"},
		},
	}
	for _, s := range r.Services {
		if len(s.GRPCCodes) == 0 {
			continue
		}
		er := faultmodel.ErrorRule{ServiceName: "^" + regexp.QuoteMeta(s.Name) + "$"}
		for _, c := range s.GRPCCodes {
			t, _ := json.Marshal(map[string]any{"exception": map[string]any{"metadata": map[string]string{"code": GRPCCodeName(c.Status)}}})
			er.Types = append(er.Types, t)
		}
		rule.Errors = append(rule.Errors, er)
	}
	if len(rule.Errors) == 0 {
		return nil
	}
	return rule
}

// grpcCodeNames are the names of gRPC's codes, by number, as Python's StatusCode and
// the coordinator protocol spell them.
var grpcCodeNames = []string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

// GRPCCodeName returns the name of gRPC code c ("NOT_FOUND" for 5), or its number.
func GRPCCodeName(c int) string {
	if c >= 0 && c < len(grpcCodeNames) {
		return grpcCodeNames[c]
	}
	return strconv.Itoa(c)
}

// Marshal encodes an analysis file as it is written to disk: indented two spaces, with
// a final newline.
func Marshal(f *faultmodel.File) ([]byte, error) {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding analysis file: %w", err)
	}
	return append(data, '\n'), nil
}

// WriteTable writes the report as a table: each service's codes and where each was
// found, then the statuses that could not be resolved.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATUS\tFOUND AT")
	for _, s := range r.Services {
		for _, c := range s.Codes {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Name, c.Status, c.Pos)
		}
		for _, c := range s.GRPCCodes {
			fmt.Fprintf(tw, "%s\tgRPC %s\t%s\n", s.Name, GRPCCodeName(c.Status), c.Pos)
		}
	}
	for _, u := range r.Unresolved {
		fmt.Fprintf(tw, "unresolved\t-\t%s\n", u)
	}
	return tw.Flush()
}
