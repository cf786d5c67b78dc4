// Package analysis derives each service's fault model from its Go source: the error
// statuses its handlers can answer, found by type, which a coordinator then injects on
// the calls that reach it (protocol.md §5).
//
// Each main package is a service, named as the generator names it, except those the
// generator leaves alone: main packages that import the filibuster runtime (functional
// tests) and those matching Config.Exclude. Two services with one name are an error.
// Its codes are the
// constants and literals of at least 400 passed to http.Error, to WriteHeader on any
// http.ResponseWriter, and http.NotFound's 404, in the main package and in every package
// of the same module it calls into (test files excluded), plus 500, which any service
// can answer. http.Redirect is not an error.
package analysis

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/filibuster-go/filibuster-gen/faultmodel"
	"github.com/filibuster-go/filibuster-gen/rewrite"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// Code is one error status a service can answer, and where it was found.
type Code struct {
	Status int
	Pos    string // file:line, module-relative
}

// Service is one service's fault model.
type Service struct {
	Name    string
	Package string
	Codes   []Code // 500 first, then in order of first appearance
}

// Report is the result of an analysis.
type Report struct {
	Services   []Service
	Unresolved []string // "file:line: expr": statuses that are not constants
}

// Analyze returns the analysis file for the services among the packages cfg names.
func Analyze(ctx context.Context, cfg rewrite.Config) (*faultmodel.File, error) {
	r, err := Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return r.File(), nil
}

// Run analyses the services among the packages cfg names.
func Run(ctx context.Context, cfg rewrite.Config) (*Report, error) {
	dir, err := filepath.Abs(orDefault(cfg.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("resolving directory: %w", err)
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	l := &loader{ctx: ctx, dir: dir, tags: cfg.Tags, pkgs: make(map[string]*packages.Package)}
	roots, err := l.load(patterns)
	if err != nil {
		return nil, err
	}
	if len(roots) == 0 {
		return nil, fmt.Errorf("no packages match %v", patterns)
	}
	mod := roots[0].Module
	if mod == nil {
		return nil, fmt.Errorf("%s: not in a Go module", dir)
	}
	// Load the module's packages that the roots reach, so calls can be followed.
	if err := l.closure(mod.Path); err != nil {
		return nil, err
	}

	excludes, err := rewrite.CompileExcludes(cfg.Exclude, mod.Path)
	if err != nil {
		return nil, err
	}

	a := &analyzer{modDir: mod.Dir, funcs: make(map[*types.Func]*funcInfo)}
	for _, p := range l.pkgs {
		a.index(p)
	}
	report := &Report{}
	dirs := make(map[string][]string) // service name -> module-relative package directories
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
		report.Services = append(report.Services, Service{
			Name:    name,
			Package: p.PkgPath,
			Codes:   a.serviceCodes(p),
		})
	}
	if err := duplicateNames(dirs); err != nil {
		return nil, err
	}
	sort.Slice(report.Services, func(i, j int) bool { return report.Services[i].Name < report.Services[j].Name })
	report.Unresolved = a.unresolved
	sort.Strings(report.Unresolved)
	return report, nil
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
	pkgs map[string]*packages.Package // by import path
}

func (l *loader) load(patterns []string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Context: l.ctx,
		Dir:     l.dir,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedTypes |
			packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule,
	}
	if l.tags != "" {
		cfg.BuildFlags = []string{"-tags=" + l.tags}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	var msgs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			msgs = append(msgs, e.Error())
		}
		l.pkgs[p.PkgPath] = p
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("packages do not build:\n\t%s", strings.Join(msgs, "\n\t"))
	}
	return pkgs, nil
}

// closure loads, with syntax, every package of module that the loaded packages import,
// transitively.
func (l *loader) closure(module string) error {
	for {
		var missing []string
		for _, p := range l.pkgs {
			for path := range p.Imports {
				if _, ok := l.pkgs[path]; !ok && (path == module || strings.HasPrefix(path, module+"/")) {
					missing = append(missing, path)
				}
			}
		}
		if len(missing) == 0 {
			return nil
		}
		sort.Strings(missing)
		if _, err := l.load(dedupe(missing)); err != nil {
			return err
		}
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// event is, in source order within a function, a status code or a call into the
// module.
type event struct {
	code   Code
	callee *types.Func // nil for a code
}

// funcInfo is what one function does, in order; literals inside it count as its own.
type funcInfo struct {
	events []event
}

type analyzer struct {
	modDir     string
	funcs      map[*types.Func]*funcInfo
	order      map[*types.Package][]*types.Func // declaration order per package
	unresolved []string
}

// index records the events of every function declared in p.
func (a *analyzer) index(p *packages.Package) {
	if a.order == nil {
		a.order = make(map[*types.Package][]*types.Func)
	}
	files := append([]*ast.File(nil), p.Syntax...)
	sort.Slice(files, func(i, j int) bool {
		return p.Fset.Position(files[i].Pos()).Filename < p.Fset.Position(files[j].Pos()).Filename
	})
	for _, f := range files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				fn, ok := p.TypesInfo.Defs[d.Name].(*types.Func)
				if !ok || d.Body == nil {
					continue
				}
				a.funcs[fn] = a.events(p, d.Body)
				a.order[p.Types] = append(a.order[p.Types], fn)
			case *ast.GenDecl:
				// Package-level variables can hold handler closures.
				info := a.events(p, d)
				if len(info.events) > 0 {
					fn := types.NewFunc(d.Pos(), p.Types, "init", types.NewSignatureType(nil, nil, nil, nil, nil, false))
					a.funcs[fn] = info
					a.order[p.Types] = append(a.order[p.Types], fn)
				}
			}
		}
	}
}

// events lists the status codes and module calls in n, in source order.
func (a *analyzer) events(p *packages.Package, n ast.Node) *funcInfo {
	info := &funcInfo{}
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			// A call, or a function used as a value (a handler registered on a mux):
			// either way its codes are the service's.
			if fn, ok := p.TypesInfo.Uses[id].(*types.Func); ok {
				info.events = append(info.events, event{callee: fn.Origin()})
			}
			return true
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		callee := typeutil.StaticCallee(p.TypesInfo, call)
		switch {
		case callee != nil && callee.FullName() == "net/http.Error" && len(call.Args) == 3:
			a.status(p, info, call.Args[2])
		case callee != nil && callee.FullName() == "net/http.NotFound":
			info.events = append(info.events, event{code: Code{Status: 404, Pos: a.pos(p, call.Pos())}})
		case isWriteHeader(p, call):
			a.status(p, info, call.Args[0])
		}
		return true
	})
	return info
}

// isWriteHeader reports whether call is WriteHeader(code) on a value whose type
// implements http.ResponseWriter.
func isWriteHeader(p *packages.Package, call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "WriteHeader" || len(call.Args) != 1 {
		return false
	}
	t := p.TypesInfo.TypeOf(sel.X)
	rw := responseWriter(p)
	return t != nil && rw != nil && (types.Implements(t, rw) || types.Implements(types.NewPointer(t), rw))
}

// responseWriter finds the http.ResponseWriter interface among p's imports.
func responseWriter(p *packages.Package) *types.Interface {
	var find func(pkg *types.Package, seen map[*types.Package]bool) *types.Interface
	find = func(pkg *types.Package, seen map[*types.Package]bool) *types.Interface {
		if seen[pkg] {
			return nil
		}
		seen[pkg] = true
		if pkg.Path() == "net/http" {
			if obj := pkg.Scope().Lookup("ResponseWriter"); obj != nil {
				iface, _ := obj.Type().Underlying().(*types.Interface)
				return iface
			}
		}
		for _, imp := range pkg.Imports() {
			if iface := find(imp, seen); iface != nil {
				return iface
			}
		}
		return nil
	}
	return find(p.Types, make(map[*types.Package]bool))
}

// status records the status passed as arg, or reports that it is not a constant.
func (a *analyzer) status(p *packages.Package, info *funcInfo, arg ast.Expr) {
	tv, ok := p.TypesInfo.Types[arg]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		a.unresolved = append(a.unresolved, fmt.Sprintf("%s: %s", a.pos(p, arg.Pos()), types.ExprString(arg)))
		return
	}
	code, exact := constant.Int64Val(tv.Value)
	if exact && code >= 400 {
		info.events = append(info.events, event{code: Code{Status: int(code), Pos: a.pos(p, arg.Pos())}})
	}
}

func (a *analyzer) pos(p *packages.Package, pos token.Pos) string {
	position := p.Fset.Position(pos)
	rel, err := filepath.Rel(a.modDir, position.Filename)
	if err != nil {
		rel = position.Filename
	}
	return filepath.ToSlash(rel) + ":" + strconv.Itoa(position.Line)
}

// serviceCodes returns the codes a main package can answer: 500, then every code of
// its functions, in declaration order, following calls into the module at the point of
// the call.
func (a *analyzer) serviceCodes(p *packages.Package) []Code {
	codes := []Code{{Status: 500, Pos: "(every service)"}}
	seenCode := map[int]bool{500: true}
	visited := make(map[*types.Func]bool)
	var visit func(fn *types.Func)
	visit = func(fn *types.Func) {
		if visited[fn] {
			return
		}
		visited[fn] = true
		info := a.funcs[fn]
		if info == nil {
			return
		}
		for _, e := range info.events {
			if e.callee != nil {
				visit(e.callee)
				continue
			}
			if !seenCode[e.code.Status] {
				seenCode[e.code.Status] = true
				codes = append(codes, e.code)
			}
		}
	}
	for _, fn := range a.order[p.Types] {
		visit(fn)
	}
	return codes
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
	return &faultmodel.File{Rules: []faultmodel.NamedRule{{Name: "net/http", Rule: rule}}}
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
	}
	for _, u := range r.Unresolved {
		fmt.Fprintf(tw, "unresolved\t-\t%s\n", u)
	}
	return tw.Flush()
}
