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
// instrumented must require GRPCPath's module itself (see checkGRPC).
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
	if err := checkGRPC(mod, f, plan.Sites); err != nil {
		return err
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

// checkGRPC reports an error when the instrumented gRPC sites name GRPCPath in a module
// that cannot import it as it is: a module that does not require GRPCPath's module, or
// whose grpc-go is older than the one that module requires, which importing it would
// upgrade. The generator carries no copy of that module, as it does the runtime's: a copy
// required for the user would change their grpc-go version without a word. So the user
// requires it, and chooses the version; the older version is found when the module is
// replaced by a directory, as it is while it is not published (a module version is
// checked by the go command).
func checkGRPC(mod *packages.Module, f *modfile.File, sites []SiteInfo) error {
	if mod.Path == grpcModule {
		return nil
	}
	var first *SiteInfo // the first instrumented gRPC site, by file and line
	for i, s := range sites {
		if !s.Instrumented || s.Kind != KindGRPCClient && s.Kind != KindGRPCServer && s.Kind != KindGRPCCall {
			continue
		}
		if first == nil || s.File < first.File || s.File == first.File && s.Line < first.Line {
			first = &sites[i]
		}
	}
	if first == nil {
		return nil
	}
	leave := fmt.Sprintf("or leave the gRPC calls as they are with %s or --exclude", ignoreDirective)
	if requiredVersion(f, grpcModule) == "" {
		return fmt.Errorf("%s:%d: instrumented gRPC code imports %s, which module %s does not require: "+
			"require it in go.mod (docs/generator.md, \"gRPC\"), %s", first.File, first.Line, GRPCPath, mod.Path, leave)
	}
	dir := replacementDir(f, grpcModule, mod.Dir)
	if dir == "" {
		return nil
	}
	gomod := filepath.Join(dir, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return fmt.Errorf("reading the go.mod of %s: %w", grpcModule, err)
	}
	gf, err := modfile.ParseLax(gomod, data, nil)
	if err != nil {
		return fmt.Errorf("parsing the go.mod of %s: %w", grpcModule, err)
	}
	have, need := requiredVersion(f, grpcGo), requiredVersion(gf, grpcGo)
	if have != "" && need != "" && semver.Compare(have, need) < 0 {
		return fmt.Errorf("%s:%d: module %s requires %s %s, older than the %s that %s (%s) requires: "+
			"instrumenting would upgrade it; require %s %s (go get %s@%s), %s",
			first.File, first.Line, mod.Path, grpcGo, have, need, grpcModule, dir, grpcGo, need, grpcGo, need, leave)
	}
	return nil
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
