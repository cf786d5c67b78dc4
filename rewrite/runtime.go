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
// directory. The user's go.mod on disk is never changed.
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
	for _, r := range f.Require {
		if r.Mod.Path == runtimeModule {
			return nil
		}
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
