package rewrite

import (
	"fmt"
	"go/version"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"github.com/filibuster-go/filibuster-gen/templates"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
	"golang.org/x/tools/go/packages"
)

// serviceInit is the init function appended to a file of each main package: it names
// the service and, when net/http is instrumented, installs its hooks.
func serviceInit(name, module, dir string, hooks bool, generated []string) []byte {
	sort.Strings(generated)
	b, err := templates.ServiceInit(templates.Service{RuntimePath: RuntimePath, Alias: alias, Name: name, Module: module, Dir: dir, Hooks: hooks, Generated: generated})
	if err != nil {
		panic(err) // the template is fixed and compiled in: it cannot fail
	}
	return b
}

// addRuntime makes the runtime importable from mod. A module that is filibuster-gen or
// already requires it needs nothing; any other gets, through the overlay, a go.mod that
// requires the runtime's module and replaces it with a copy written under the output
// directory. The user's go.mod on disk is never changed. A module whose gRPC calls are
// instrumented must require GRPCPath's module itself (see grpcProblem).
func (plan *Plan) addRuntime(mod *packages.Module) error {
	if mod.Path == runtimeModule {
		return nil
	}
	if mod.GoMod == "" {
		return fmt.Errorf("module %s has no go.mod", mod.Path)
	}
	data, err := os.ReadFile(mod.GoMod)
	if err != nil {
		return fmt.Errorf("reading go.mod: %w", err)
	}
	f, err := modfile.Parse(mod.GoMod, data, nil)
	if err != nil {
		return fmt.Errorf("parsing go.mod: %w", err)
	}
	if requiredVersion(f, runtimeModule) != "" {
		return nil
	}
	// The main module's go line must be at least the runtime copy's.
	if f.Go == nil || version.Compare("go"+f.Go.Version, "go"+templates.RuntimeGoVersion) < 0 {
		if err := f.AddGoStmt(templates.RuntimeGoVersion); err != nil {
			return fmt.Errorf("go.mod: %w", err)
		}
	}
	copyDir := filepath.Join(plan.Out, "runtime-module")
	if err := f.AddRequire(runtimeModule, "v0.0.0"); err != nil {
		return fmt.Errorf("go.mod: %w", err)
	}
	if err := f.AddReplace(runtimeModule, "", copyDir, ""); err != nil {
		return fmt.Errorf("go.mod: %w", err)
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return fmt.Errorf("formatting go.mod: %w", err)
	}
	plan.Files["go.mod"] = out
	plan.Overlay[mod.GoMod] = filepath.Join(plan.Out, "go.mod")

	plan.Files["runtime-module/go.mod"] = templates.RuntimeGoMod(runtimeModule)
	return fs.WalkDir(runtime.Source, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := fs.ReadFile(runtime.Source, p)
		if err != nil {
			return fmt.Errorf("runtime source: %w", err)
		}
		plan.Files[path.Join("runtime-module", p)] = src
		return nil
	})
}

// grpcGo is grpc-go's module.
const grpcGo = "google.golang.org/grpc"

// grpcProblem returns why the gRPC calls of mod cannot be instrumented, or "" when they
// can: a module that does not require GRPCPath's module, or whose grpc-go is older than
// the one that module requires, which importing it would upgrade. The generator carries
// no copy of that module, as it does the runtime's: a copy required for the user would
// change their grpc-go version without a word. So the user requires it, and chooses the
// version; the older version is found when the module is replaced by a directory, as
// it is while it is not published (a module version is checked by the go command). The
// gRPC sites are then listed with the problem as their reason, and left as they are.
func grpcProblem(mod *packages.Module) (string, error) {
	if mod.Path == grpcModule || mod.GoMod == "" {
		return "", nil
	}
	data, err := os.ReadFile(mod.GoMod)
	if err != nil {
		return "", fmt.Errorf("reading go.mod: %w", err)
	}
	f, err := modfile.Parse(mod.GoMod, data, nil)
	if err != nil {
		return "", fmt.Errorf("parsing go.mod: %w", err)
	}
	if requiredVersion(f, grpcModule) == "" {
		return fmt.Sprintf("gRPC: module %s does not require %s, which instrumented gRPC code imports: require it to instrument gRPC calls (docs/generator.md, \"gRPC\")", mod.Path, grpcModule), nil
	}
	dir := replacementDir(f, grpcModule, mod.Dir)
	if dir == "" {
		return "", nil
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err = os.ReadFile(gomod)
	if err != nil {
		return "", fmt.Errorf("reading the go.mod of %s: %w", grpcModule, err)
	}
	gf, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return "", fmt.Errorf("parsing the go.mod of %s: %w", grpcModule, err)
	}
	have, need := requiredVersion(f, grpcGo), requiredVersion(gf, grpcGo)
	if have != "" && need != "" && semver.Compare(have, need) < 0 {
		return fmt.Sprintf("gRPC: module %s requires %s %s, older than the %s that %s (%s) requires: instrumenting would upgrade it; require %s %s to instrument gRPC calls",
			mod.Path, grpcGo, have, need, grpcModule, dir, grpcGo, need), nil
	}
	return "", nil
}

// grpcWarning says, when gRPC sites are left as they are because of problem, how many
// and where the first is.
func grpcWarning(sites []SiteInfo, problem string) string {
	var first *SiteInfo
	n := 0
	for i, s := range sites {
		if problem == "" || s.Reason != problem {
			continue
		}
		n++
		if first == nil || s.File < first.File || s.File == first.File && s.Line < first.Line {
			first = &sites[i]
		}
	}
	if first == nil {
		return ""
	}
	return fmt.Sprintf("%d gRPC sites, the first at %s:%d, are not instrumented: %s", n, first.File, first.Line, problem)
}

// requiredVersion returns the version of path that f requires, or "".
func requiredVersion(f *modfile.File, path string) string {
	for _, r := range f.Require {
		if r.Mod.Path == path {
			return r.Mod.Version
		}
	}
	return ""
}

// replacementDir returns the directory that f replaces the module path by, absolute,
// or "" when f does not replace it by a directory.
func replacementDir(f *modfile.File, path, modDir string) string {
	version := requiredVersion(f, path)
	for _, r := range f.Replace {
		if r.Old.Path != path || r.Old.Version != "" && r.Old.Version != version || r.New.Version != "" {
			continue
		}
		if filepath.IsAbs(r.New.Path) {
			return r.New.Path
		}
		return filepath.Join(modDir, filepath.FromSlash(r.New.Path))
	}
	return ""
}
