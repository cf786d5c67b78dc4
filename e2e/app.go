package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/analysis"
	"github.com/filibuster-go/filibuster-gen/rewrite"
	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// BuildOptions says how to prepare an application.
type BuildOptions struct {
	// Dir is the application directory, which holds filibuster.json.
	Dir string
	// Uninstrumented builds the services as they are, without generating instrumented
	// copies or an analysis: the application then runs without fault injection.
	Uninstrumented bool
	// AnalysisFile, when set, is used instead of the static analysis (and instead of
	// the config's analysis_file).
	AnalysisFile string
	// WorkDir is where instrumented copies, binaries and logs go; default: a new
	// temporary directory, removed by Close.
	WorkDir string
	// Log receives progress lines ("generating", "building"); nil discards them.
	Log io.Writer
}

// App is an application whose services and functional test have been built. Its
// Built part (config, directory, binaries, logs, analysis file) is what Start needs.
type App struct {
	deploy.Built
	// ModuleRoot is the root of the Go module holding the application.
	ModuleRoot string
	// WorkDir holds the generated files, the binaries and the service logs.
	WorkDir string
	// Analysis is the fault model the coordinator uses (nil when uninstrumented).
	Analysis *faultmodel.File
	// Sites is the number of call sites and handlers the generator found.
	Sites int
	// ClientSites are the "file:line" of the instrumented outgoing call sites.
	ClientSites []string
	// GenerateTime, AnalysisTime and BuildTime say how long each step took.
	GenerateTime, AnalysisTime, BuildTime time.Duration

	removeWork bool
	log        io.Writer
}

// Prepare generates the instrumented copies of an application's services and its
// analysis file, then builds its services and its functional test.
func Prepare(ctx context.Context, opts BuildOptions) (_ *App, err error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", opts.Dir, err)
	}
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return nil, err
	}
	app := &App{ModuleRoot: root, WorkDir: opts.WorkDir, log: opts.Log}
	app.Config, app.Dir = cfg, dir
	if app.log == nil {
		app.log = io.Discard
	}
	if app.WorkDir == "" {
		app.WorkDir, err = os.MkdirTemp("", "filibuster-"+cfg.Name+"-")
		if err != nil {
			return nil, fmt.Errorf("creating work directory: %w", err)
		}
		app.removeWork = true
	} else if err := os.MkdirAll(app.WorkDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating work directory: %w", err)
	}
	defer func() {
		if err != nil {
			app.Close()
		}
	}()
	app.BinDir, app.LogDir = filepath.Join(app.WorkDir, "bin"), filepath.Join(app.WorkDir, "logs")
	for _, sub := range []string{"bin", "logs"} {
		if err := os.MkdirAll(filepath.Join(app.WorkDir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating work directory: %w", err)
		}
	}

	overlay := ""
	if !opts.Uninstrumented {
		overlay, err = app.instrument(ctx, opts.AnalysisFile)
		if err != nil {
			return nil, err
		}
	}
	if err := app.build(ctx, overlay); err != nil {
		return nil, err
	}
	return app, nil
}

// Close removes the work directory if Prepare created it.
func (a *App) Close() error {
	if !a.removeWork {
		return nil
	}
	if err := os.RemoveAll(a.WorkDir); err != nil {
		return fmt.Errorf("removing work directory: %w", err)
	}
	return nil
}

// rewriteConfig is the generator's (and the analysis's) view of the application: the
// instrumented services' packages and their names.
func (a *App) rewriteConfig() (rewrite.Config, error) {
	cfg := rewrite.Config{
		Dir:      a.ModuleRoot,
		Out:      filepath.Join(a.WorkDir, "generated"),
		Services: make(map[string]string),
	}
	for _, s := range a.Config.Services {
		if !s.IsInstrumented() || s.Package == "" {
			continue
		}
		rel, err := a.packageDir(s.Package)
		if err != nil {
			return rewrite.Config{}, fmt.Errorf("service %s: %w", s.Name, err)
		}
		cfg.Patterns = append(cfg.Patterns, "./"+rel)
		cfg.Services[rel] = s.Name
	}
	if len(cfg.Patterns) == 0 {
		return rewrite.Config{}, errors.New("no instrumented Go service")
	}
	return cfg, nil
}

// instrument writes the instrumented copies and the analysis file and returns the
// overlay file's path.
func (a *App) instrument(ctx context.Context, analysisFile string) (string, error) {
	rcfg, err := a.rewriteConfig()
	if err != nil {
		return "", err
	}

	fmt.Fprintf(a.log, "%s: generating instrumented copies of %d services\n", a.Config.Name, len(rcfg.Patterns))
	start := time.Now()
	res, err := rewrite.Generate(ctx, rcfg)
	if err != nil {
		return "", fmt.Errorf("generating instrumented copies: %w", err)
	}
	a.GenerateTime = time.Since(start)
	a.Sites = len(res.Sites)
	for _, s := range res.Sites {
		if (s.Kind == rewrite.KindClient || s.Kind == rewrite.KindLibrary || s.Kind == rewrite.KindGRPCCall) && s.Instrumented {
			a.ClientSites = append(a.ClientSites, fmt.Sprintf("%s:%d", s.File, s.Line))
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(a.log, "%s: warning: %s\n", a.Config.Name, w)
	}

	start = time.Now()
	if analysisFile == "" && a.Config.AnalysisFile != "" {
		analysisFile = filepath.Join(a.Dir, filepath.FromSlash(a.Config.AnalysisFile))
	}
	if analysisFile != "" {
		a.Analysis, err = faultmodel.ReadFile(analysisFile)
		if err != nil {
			return "", fmt.Errorf("reading analysis file: %w", err)
		}
		a.AnalysisFile = analysisFile
	} else {
		fmt.Fprintf(a.log, "%s: analysing the services' source\n", a.Config.Name)
		a.Analysis, err = analysis.Analyze(ctx, rcfg)
		if err != nil {
			return "", fmt.Errorf("analysing the services: %w", err)
		}
		for _, inc := range a.Config.AnalysisInclude {
			f, err := faultmodel.ReadFile(filepath.Join(a.Dir, filepath.FromSlash(inc)))
			if err != nil {
				return "", fmt.Errorf("reading analysis_include: %w", err)
			}
			if err := a.Analysis.Merge(f); err != nil {
				return "", fmt.Errorf("analysis_include %s: %w", inc, err)
			}
		}
		data, err := json.MarshalIndent(a.Analysis, "", "  ")
		if err != nil {
			return "", fmt.Errorf("encoding the analysis: %w", err)
		}
		a.AnalysisFile = filepath.Join(a.WorkDir, "analysis.json")
		if err := os.WriteFile(a.AnalysisFile, append(data, '\n'), 0o644); err != nil {
			return "", fmt.Errorf("writing the analysis: %w", err)
		}
	}
	a.AnalysisTime = time.Since(start)
	return res.Overlay, nil
}

// build compiles every service and the functional test into the work directory's bin,
// all with one go build (which builds them in parallel).
func (a *App) build(ctx context.Context, overlay string) error {
	pkgs := []string{a.Config.FunctionalTest}
	for _, s := range a.Config.Services {
		if s.Package != "" {
			pkgs = append(pkgs, s.Package)
		}
	}
	args := []string{"build"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, "-o", a.BinDir+string(filepath.Separator))
	for _, p := range pkgs {
		rel, err := a.packageDir(p)
		if err != nil {
			return err
		}
		args = append(args, "./"+rel)
	}

	fmt.Fprintf(a.log, "%s: building %d services and the functional test\n", a.Config.Name, len(pkgs)-1)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goCommand(), args...)
	cmd.Dir = a.ModuleRoot
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	a.BuildTime = time.Since(start)
	return nil
}

// packageDir returns the slash-separated directory of pkg (relative to the application
// directory) relative to the module root.
func (a *App) packageDir(pkg string) (string, error) {
	rel, err := filepath.Rel(a.ModuleRoot, filepath.Join(a.Dir, filepath.FromSlash(pkg)))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("package %s is outside the module at %s", pkg, a.ModuleRoot)
	}
	return path.Clean(filepath.ToSlash(rel)), nil
}

// moduleRoot returns the nearest directory at or above dir that holds a go.mod.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside a Go module", dir)
		}
	}
}

// goCommand returns the go command to build with: the one of the running toolchain's
// GOROOT when it exists, so that "go run" uses the same go it was started with.
func goCommand() string {
	if goroot := os.Getenv("GOROOT"); goroot != "" {
		p := filepath.Join(goroot, "bin", "go")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}
