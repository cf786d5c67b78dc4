// Package rewrite finds the net/http client calls and handler registrations of Go
// packages by type and writes instrumented copies of the files that hold them, in which
// each is wrapped by a call into the runtime package with a static call-site descriptor.
//
// The originals are never modified. The copies go to an output directory (by default
// .filibuster at the module root) together with overlay.json, for go build -overlay and
// go test -overlay, and manifest.json, which lists every site found.
//
// The copies are made by splicing text into the original source, so every byte the
// generator does not change stays as it was, and every line keeps its number except for
// the one line that imports the runtime; a //line directive after that import maps the
// rest of the file back to the original file and line, so panics, vet and coverage point
// at the user's code.
package rewrite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// RuntimePath is the import path of the package instrumented code calls.
const RuntimePath = "github.com/filibuster-go/filibuster-gen/runtime"

// runtimeModule is the module that provides RuntimePath.
const runtimeModule = "github.com/filibuster-go/filibuster-gen/runtime"

// alias is the name under which instrumented files import the runtime. No Go code can
// declare it by accident: the double underscore is reserved for generated code.
const alias = "__filibuster"

// Config says what to instrument and where to write the result.
type Config struct {
	Dir      string            // directory to run in (module root or below); "" means "."
	Patterns []string          // package patterns; default ./...
	Tags     string            // -tags, passed through to the build system
	Out      string            // output directory; default <module root>/.filibuster
	Services map[string]string // package directory (module-relative) -> service name
	// NoNetHTTP leaves net/http as it is: only the sites found are instrumented, and
	// handlers and servers are wrapped where they are registered. Calls made inside
	// libraries and requests served by frameworks are then not reported.
	NoNetHTTP bool

	// Exclude lists package patterns whose packages are never instrumented (their
	// sites are listed, with the reason "excluded by --exclude PATTERN"): "./e2e/..."
	// for <module root>/e2e and every package below it. See Excludes for the syntax.
	Exclude []string
}

// Result is what Generate wrote.
type Result struct {
	Overlay  string     // absolute path of overlay.json
	Sites    []SiteInfo // every call site and handler found, instrumented or not
	NetHTTP  bool       // net/http is instrumented (Plan.NetHTTP)
	Warnings []string   // what the generator could not do (Plan.Warnings)
}

// Plan is the complete output of the generator, computed in memory.
type Plan struct {
	Out        string            // absolute output directory
	ModuleRoot string            // absolute directory of the module's go.mod
	Files      map[string][]byte // output-relative path -> content
	Overlay    map[string]string // absolute original path -> absolute replacement
	Sites      []SiteInfo

	// UnmatchedExcludes are the Config.Exclude patterns that matched no loaded package.
	UnmatchedExcludes []string
	// NetHTTP says net/http itself is instrumented (see nethttp.go), so that calls made
	// inside libraries and requests served by frameworks are reported too.
	NetHTTP bool
	// Warnings are what the generator could not do, for people.
	Warnings []string

	// Reused is the number of package directories taken unchanged from the last run
	// into Out; Analyzed, the number scanned anew (see cache.go).
	Reused, Analyzed int

	cache   *cache // the record of this run, written to Out with the rest
	grpcOff string // why gRPC calls are not instrumented, if they cannot be (grpcProblem)
}

// Generate instruments the packages cfg names and writes the output directory,
// replacing what it held before. On error nothing is written.
func Generate(ctx context.Context, cfg Config) (*Result, error) {
	plan, err := Build(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := plan.Write(); err != nil {
		return nil, err
	}
	return &Result{Overlay: filepath.Join(plan.Out, "overlay.json"), Sites: plan.Sites, NetHTTP: plan.NetHTTP, Warnings: plan.Warnings}, nil
}

// Build loads the packages cfg names and computes the generator's output without
// writing anything. What an earlier run into the same output directory made of a
// package directory that has not changed since is taken from there (see cache.go).
func Build(ctx context.Context, cfg Config) (*Plan, error) {
	dir, err := filepath.Abs(orDefault(cfg.Dir, "."))
	if err != nil {
		return nil, fmt.Errorf("resolving directory: %w", err)
	}
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	for _, p := range cfg.Exclude { // a malformed pattern is reported before the (slow) load
		if _, err := excludeImportPattern(p, ""); err != nil {
			return nil, err
		}
	}
	pkgs, err := load(ctx, dir, cfg.Tags, listMode, patterns)
	if err != nil {
		return nil, err
	}
	mod := mainModule(pkgs)
	if mod == nil {
		return nil, fmt.Errorf("%s: no Go module found (run inside a module)", dir)
	}
	out := cfg.Out
	if out == "" {
		out = filepath.Join(mod.Dir, ".filibuster")
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, fmt.Errorf("resolving output directory: %w", err)
	}
	plan := &Plan{
		Out:        out,
		ModuleRoot: mod.Dir,
		Files:      make(map[string][]byte),
		Overlay:    make(map[string]string),
	}
	excludes, err := CompileExcludes(cfg.Exclude, mod.Path)
	if err != nil {
		return nil, err
	}
	env, err := goEnv(ctx, mod.Dir, "GOROOT", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT")
	if err != nil {
		return nil, err
	}
	skipped := skipReasons(pkgs, mod, excludes)
	// net/http is instrumented when a main package will install its hooks; without
	// one (a library's tests), the generated sites alone are instrumented.
	if !cfg.NoNetHTTP && hasMain(pkgs, mod, skipped) {
		ok, reason := plan.instrumentNetHTTP(env["GOROOT"])
		plan.NetHTTP = ok
		if !ok {
			plan.Warnings = append(plan.Warnings, "net/http is not instrumented ("+reason+
				"): calls made inside libraries and requests served by frameworks are not reported; only the sites listed are")
		}
	}
	if plan.grpcOff, err = grpcProblem(mod); err != nil {
		return nil, err
	}
	if err := plan.instrument(ctx, cfg, pkgs, mod, skipped, env); err != nil {
		return nil, err
	}
	if w := grpcWarning(plan.Sites, plan.grpcOff); w != "" {
		plan.Warnings = append(plan.Warnings, w)
	}
	plan.UnmatchedExcludes = excludes.Unmatched()
	if len(plan.Overlay) > 0 {
		if err := plan.addRuntime(mod); err != nil {
			return nil, err
		}
	}
	return plan, plan.finish()
}

// The generator loads packages twice: every package named, with its dependencies,
// for their files and imports only (listMode, about as fast as go list), and then,
// with syntax and types (scanMode), only those of the directories that changed since
// the last run.
const (
	listMode = packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps | packages.NeedModule
	scanMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
		packages.NeedImports | packages.NeedTypes | packages.NeedSyntax |
		packages.NeedTypesInfo | packages.NeedModule
)

// load loads the packages patterns name in dir, with their tests, and reports the
// errors of any that did not load.
func load(ctx context.Context, dir, tags string, mode packages.LoadMode, patterns []string) ([]*packages.Package, error) {
	pcfg := &packages.Config{Context: ctx, Dir: dir, Mode: mode, Tests: true}
	if tags != "" {
		pcfg.BuildFlags = []string{"-tags=" + tags}
	}
	pkgs, err := packages.Load(pcfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	if err := loadErrors(pkgs); err != nil {
		return nil, err
	}
	return pkgs, nil
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// loadErrors reports the errors of every package that did not load or type-check,
// each with its file:line.
func loadErrors(pkgs []*packages.Package) error {
	var msgs []string
	seen := make(map[string]bool)
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			msg := e.Msg
			if e.Pos != "" {
				msg = e.Pos + ": " + e.Msg
			}
			if !seen[msg] {
				seen[msg] = true
				msgs = append(msgs, msg)
			}
		}
	})
	if len(msgs) == 0 {
		return nil
	}
	sort.Strings(msgs)
	return fmt.Errorf("packages do not build, nothing written:\n\t%s", strings.Join(msgs, "\n\t"))
}

// mainModule returns the module of the loaded packages.
func mainModule(pkgs []*packages.Package) *packages.Module {
	for _, p := range pkgs {
		if p.Module != nil && p.Module.Main {
			return p.Module
		}
	}
	for _, p := range pkgs {
		if p.Module != nil {
			return p.Module
		}
	}
	return nil
}

// instrument computes the output of every directory of the module's packages (pkgs,
// loaded with listMode): what the last run made of it when it has not changed, and
// otherwise the instrumented copies of its files, from a scan of every file. The
// files it leaves alone whole (see skipReasons) are scanned too, so that their sites
// are listed with the reason.
func (plan *Plan) instrument(ctx context.Context, cfg Config, pkgs []*packages.Package, mod *packages.Module, skipped, env map[string]string) error {
	var generated []string
	if plan.NetHTTP {
		var err error
		if generated, err = generatedFiles(mod.Dir); err != nil {
			return err
		}
		sort.Strings(generated)
	}
	keys, err := newKeyer(mod, mod.Dir, plan.Out, cfg.Tags, fmt.Sprint(plan.NetHTTP), strings.Join(generated, "\n"), plan.grpcOff,
		env["GOROOT"], env["GOVERSION"], env["GOOS"], env["GOARCH"], env["CGO_ENABLED"], env["GOFLAGS"], env["GOEXPERIMENT"])
	if err != nil {
		return err
	}
	dirs := moduleDirs(pkgs, mod)
	old := readCache(plan.Out)
	plan.cache = &cache{Format: cacheFormat, Dirs: make(map[string]cacheEntry)}
	sitesByPkgDir := make(map[string]int)
	changed := make(map[string]string) // absolute directory -> key
	var patterns []string
	for _, d := range dirs {
		key, err := keys.dirKey(d.pkgs, d.rel, skipped[d.abs], ServiceName(d.rel, cfg.Services))
		if err != nil {
			return err
		}
		if e, ok := plan.reuse(old, d.rel, key); ok {
			plan.cache.Dirs[d.rel] = e
			sitesByPkgDir[d.abs] = e.Instrumented
			plan.Reused++
			continue
		}
		changed[d.abs] = key
		patterns = append(patterns, "./"+d.rel)
	}
	if len(patterns) == 0 {
		return nil
	}
	plan.Analyzed = len(patterns)
	scanned, err := load(ctx, mod.Dir, cfg.Tags, scanMode, patterns)
	if err != nil {
		return err
	}
	done := make(map[string]bool)
	var mains []*packages.Package
	for _, p := range scanned {
		if p.Module == nil || p.Module.Path != mod.Path {
			continue
		}
		if isMain(p) {
			mains = append(mains, p)
		}
		for i, file := range p.Syntax {
			if i >= len(p.CompiledGoFiles) {
				break
			}
			name := p.CompiledGoFiles[i]
			if done[name] || !isGoSource(name, p.GoFiles) || changed[filepath.Dir(name)] == "" {
				continue
			}
			done[name] = true
			reason := skipped[filepath.Dir(name)]
			if reason == "" && isTestFile(name) {
				reason = ReasonTestFile
			}
			n, err := plan.instrumentFile(p, file, name, mod, reason)
			if err != nil {
				return err
			}
			sitesByPkgDir[filepath.Dir(name)] += n
		}
	}
	if err := plan.addServices(scanned, mains, mod, cfg.Services, skipped, changed, sitesByPkgDir, importedDirs(pkgs, mod), generated); err != nil {
		return err
	}
	for abs, key := range changed {
		rel := moduleRel(mod.Dir, abs)
		plan.cache.Dirs[rel] = plan.record(rel, key, sitesByPkgDir[abs])
	}
	return nil
}

// addServices adds the service's init function to each main package of the changed
// directories, and, with net/http instrumented, the hooks' init to every other
// package there. A main package that instruments nothing and imports no package that
// does gets nothing without net/http instrumented.
func (plan *Plan) addServices(scanned, mains []*packages.Package, mod *packages.Module, services, skipped, changed map[string]string,
	sitesByPkgDir map[string]int, imports map[string][]string, generated []string) error {
	for _, p := range mains {
		if len(p.GoFiles) == 0 {
			continue
		}
		pdir := filepath.Dir(p.GoFiles[0])
		if changed[pdir] == "" || skipped[pdir] != "" || !plan.NetHTTP && sitesByPkgDir[pdir] == 0 && !importsInstrumented(imports[pdir], sitesByPkgDir) {
			continue
		}
		rel := moduleRel(mod.Dir, pdir)
		init := serviceInit(ServiceName(rel, services), mod.Path, rel, plan.NetHTTP, generated)
		if err := plan.addService(p, mod, init); err != nil {
			return err
		}
	}
	if !plan.NetHTTP {
		return nil
	}
	// Every other package of the module installs the hooks too, so that a test binary
	// of any of them (go test -overlay) reports what a service would: its handlers
	// and calls are left as written, and only the hooks instrument them.
	hooks := serviceInit("", mod.Path, "", true, generated)
	hooked := make(map[string]bool) // package directories given the hooks' init
	for _, p := range scanned {
		if p.Module == nil || p.Module.Path != mod.Path || p.Name == "main" || isVariant(p) || len(p.GoFiles) == 0 {
			continue
		}
		pdir := filepath.Dir(p.GoFiles[0])
		if changed[pdir] == "" || skipped[pdir] != "" || hooked[pdir] {
			continue
		}
		hooked[pdir] = true
		if err := plan.addService(p, mod, hooks); err != nil {
			return err
		}
	}
	return nil
}

// moduleDir is a directory of the module's packages.
type moduleDir struct {
	abs, rel string              // absolute, and module-relative and slash-separated
	pkgs     []*packages.Package // its packages, test variants included
}

// moduleDirs returns the directories of the module's packages among pkgs, by name.
func moduleDirs(pkgs []*packages.Package, mod *packages.Module) []*moduleDir {
	byDir := make(map[string]*moduleDir)
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != mod.Path {
			continue
		}
		for _, f := range p.GoFiles {
			abs := filepath.Dir(f)
			rel := moduleRel(mod.Dir, abs)
			if rel == ".." || strings.HasPrefix(rel, "../") || rel == ".filibuster" || strings.HasPrefix(rel, ".filibuster/") {
				continue
			}
			d := byDir[abs]
			if d == nil {
				d = &moduleDir{abs: abs, rel: rel}
				byDir[abs] = d
			}
			if len(d.pkgs) == 0 || d.pkgs[len(d.pkgs)-1] != p {
				d.pkgs = append(d.pkgs, p)
			}
		}
	}
	dirs := make([]*moduleDir, 0, len(byDir))
	for _, d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].rel < dirs[j].rel })
	return dirs
}

// moduleRel returns the module-relative, slash-separated name of path.
func moduleRel(root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// importedDirs returns, by absolute package directory, the directories of the module's
// packages that the (non-test) package there imports.
func importedDirs(pkgs []*packages.Package, mod *packages.Module) map[string][]string {
	imports := make(map[string][]string)
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != mod.Path || isVariant(p) || len(p.GoFiles) == 0 {
			continue
		}
		pdir := filepath.Dir(p.GoFiles[0])
		for _, imp := range p.Imports {
			if imp.Module != nil && imp.Module.Path == mod.Path && len(imp.GoFiles) > 0 {
				imports[pdir] = append(imports[pdir], filepath.Dir(imp.GoFiles[0]))
			}
		}
	}
	return imports
}

// isVariant reports whether p is a test variant of a package, an external test
// package or a test binary's main package.
func isVariant(p *packages.Package) bool {
	return strings.HasSuffix(p.ID, "]") || strings.HasSuffix(p.ID, ".test") || strings.HasSuffix(p.Name, "_test")
}

// addService appends init, the service's init function (or, for a package that is no
// service, the one that installs the hooks), to the first (by name) source file of p:
// to its instrumented copy, or to a copy made for it. The
// function is added to a file the package already has, not in a file of its own, so
// that tools that do not see files an overlay adds (go test -cover) see it.
func (plan *Plan) addService(p *packages.Package, mod *packages.Module, init []byte) error {
	var (
		name string
		file *ast.File
	)
	for i, f := range p.Syntax {
		if i >= len(p.CompiledGoFiles) {
			break
		}
		n := p.CompiledGoFiles[i]
		if isGoSource(n, p.GoFiles) && !isTestFile(n) && (name == "" || n < name) {
			name, file = n, f
		}
	}
	if file == nil {
		return fmt.Errorf("package %s: no source file to add the service to", p.PkgPath)
	}
	rel, err := filepath.Rel(mod.Dir, name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rel = filepath.ToSlash(rel)
	content, ok := plan.Files[rel]
	if !ok {
		if obj := p.Types.Scope().Lookup(alias); obj != nil {
			return fmt.Errorf("%s: package %s declares %s, which instrumented code needs for the runtime import", rel, p.PkgPath, alias)
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("reading source: %w", err)
		}
		if content, err = applyEdits(src, nil, file, p.Fset, name); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
	}
	if plan.NetHTTP {
		if obj := p.Types.Scope().Lookup(alias + "_http"); obj != nil {
			return fmt.Errorf("%s: package %s declares %s_http, which instrumented code needs for the net/http import", rel, p.PkgPath, alias)
		}
		single := fmt.Sprintf("import %s %q\n", alias, RuntimePath)
		both := fmt.Sprintf("import (%s %q; %s_http \"net/http\")\n", alias, RuntimePath, alias)
		content = bytes.Replace(content, []byte(single), []byte(both), 1)
	}
	if !bytes.HasSuffix(content, []byte("\n")) {
		content = append(content, '\n')
	}
	plan.Files[rel] = append(content, init...)
	plan.Overlay[name] = filepath.Join(plan.Out, filepath.FromSlash(rel))
	return nil
}

// skipReasons returns, by absolute package directory, why the generator leaves every
// file of the package there alone: excluded by a pattern, or a package that drives
// tests. Directories it does not name are instrumented (their _test.go files aside).
func skipReasons(pkgs []*packages.Package, mod *packages.Module, excludes *Excludes) map[string]string {
	reasons := make(map[string]string)
	for _, p := range pkgs {
		if p.Module == nil || p.Module.Path != mod.Path || len(p.GoFiles) == 0 {
			continue
		}
		dir := filepath.Dir(p.GoFiles[0])
		rel, err := filepath.Rel(mod.Dir, dir)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if pattern := excludes.Match(filepath.ToSlash(rel)); pattern != "" {
			reasons[dir] = ExcludedReason(pattern)
		} else if reasons[dir] == "" && DrivesTests(p) {
			reasons[dir] = ReasonDrivesTests
		}
	}
	return reasons
}

// importsInstrumented reports whether one of the package directories dirs holds an
// instrumented site.
func importsInstrumented(dirs []string, sitesByPkgDir map[string]int) bool {
	for _, d := range dirs {
		if sitesByPkgDir[d] > 0 {
			return true
		}
	}
	return false
}

// isGoSource reports whether name is one of the package's own Go files (not a file
// generated by cgo).
func isGoSource(name string, goFiles []string) bool {
	for _, f := range goFiles {
		if f == name {
			return true
		}
	}
	return false
}

// instrumentFile scans one file and, when it holds instrumented sites, records its
// copy. It returns the number of instrumented sites. A non-empty skip is the reason the
// whole file is left alone: its sites are listed with it, and no copy is made.
func (plan *Plan) instrumentFile(p *packages.Package, file *ast.File, name string, mod *packages.Module, skip string) (int, error) {
	rel, err := filepath.Rel(mod.Dir, name)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	rel = filepath.ToSlash(rel)
	if strings.HasPrefix(rel, "../") || strings.HasPrefix(rel, ".filibuster/") {
		return 0, nil
	}
	src, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("reading source: %w", err)
	}
	scan := scanFile(p, file, src, mod.Path, rel, alias, plan.NetHTTP, plan.grpcOff)
	if skip != "" {
		for _, s := range scan.sites {
			s.Instrumented, s.Reason = false, skip
			plan.Sites = append(plan.Sites, s)
		}
		return 0, nil
	}
	plan.Sites = append(plan.Sites, scan.sites...)
	if len(scan.edits) == 0 {
		return 0, nil
	}
	if obj := p.Types.Scope().Lookup(alias); obj != nil {
		return 0, fmt.Errorf("%s: package %s declares %s, which instrumented code needs for the runtime import", rel, p.PkgPath, alias)
	}
	content, err := applyEdits(src, scan.edits, file, p.Fset, name)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", rel, err)
	}
	plan.Files[rel] = content
	plan.Overlay[name] = filepath.Join(plan.Out, filepath.FromSlash(rel))
	n := 0
	for _, s := range scan.sites {
		if s.Instrumented {
			n++
		}
	}
	return n, nil
}

// finish sorts the sites and adds the overlay and the manifest.
func (plan *Plan) finish() error {
	sort.SliceStable(plan.Sites, func(i, j int) bool {
		a, b := plan.Sites[i], plan.Sites[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	overlay, err := json.MarshalIndent(struct {
		Replace map[string]string
	}{plan.Overlay}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding overlay: %w", err)
	}
	plan.Files["overlay.json"] = append(overlay, '\n')
	sites := plan.Sites
	if sites == nil {
		sites = []SiteInfo{}
	}
	manifest, err := json.MarshalIndent(sites, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	plan.Files["manifest.json"] = append(manifest, '\n')
	if plan.cache != nil {
		record, err := json.MarshalIndent(plan.cache, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding %s: %w", cacheFile, err)
		}
		plan.Files[cacheFile] = append(record, '\n')
	}
	return nil
}

// Write replaces the output directory with the plan's files. It writes a sibling
// directory first and renames it into place, so an error leaves the old output as it
// was.
func (plan *Plan) Write() error {
	parent := filepath.Dir(plan.Out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating output directory: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(plan.Out)+".tmp")
	if err != nil {
		return fmt.Errorf("creating output directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	for rel, content := range plan.Files {
		path := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
	}
	if err := os.RemoveAll(plan.Out); err != nil {
		return fmt.Errorf("removing old output: %w", err)
	}
	if err := os.Rename(tmp, plan.Out); err != nil {
		return fmt.Errorf("moving output into place: %w", err)
	}
	return nil
}

// Stale returns the output-relative paths whose content on disk differs from the plan,
// including files on disk that the plan does not have.
func (plan *Plan) Stale() ([]string, error) {
	var stale []string
	for rel, want := range plan.Files {
		got, err := os.ReadFile(filepath.Join(plan.Out, filepath.FromSlash(rel)))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("reading output: %w", err)
		}
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, rel)
		}
	}
	err := filepath.WalkDir(plan.Out, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(plan.Out, path)
		if err != nil {
			return err
		}
		if _, ok := plan.Files[filepath.ToSlash(rel)]; !ok {
			stale = append(stale, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading output: %w", err)
	}
	sort.Strings(stale)
	return stale, nil
}
