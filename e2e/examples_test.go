package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// exampleApps returns the directories of the bundled applications.
func exampleApps(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("..", "examples", "*", deploy.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatal("no applications under ../examples")
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

// TestExamplesFaultFree builds every bundled application uninstrumented, starts it and
// runs its functional test once without a coordinator: with FILIBUSTER_URL unset no
// fault is injected, and every functional test must pass.
func TestExamplesFaultFree(t *testing.T) {
	for _, dir := range exampleApps(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			app, err := Prepare(ctx, BuildOptions{Dir: dir, Uninstrumented: true})
			if err != nil {
				t.Fatal(err)
			}
			defer app.Close()
			requireCommands(t, app.Config)
			dep, err := app.Start(ctx, deploy.StartOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer dep.Stop()
			var out bytes.Buffer
			passed, err := dep.RunTest(ctx, "", &out)
			if err != nil {
				t.Fatal(err)
			}
			if !passed {
				t.Errorf("functional test failed:\n%s", out.String())
			}
		})
	}
}

// TestConfigs checks that every bundled application's config loads and names packages
// that exist.
func TestConfigs(t *testing.T) {
	for _, dir := range exampleApps(t) {
		cfg, err := deploy.LoadConfig(dir)
		if err != nil {
			t.Error(err)
			continue
		}
		pkgs := []string{cfg.FunctionalTest}
		for _, s := range cfg.Services {
			if s.Package != "" {
				pkgs = append(pkgs, s.Package)
			}
		}
		for _, p := range pkgs {
			if _, err := os.Stat(filepath.Join(dir, p, "main.go")); err != nil {
				t.Errorf("%s: %v", cfg.Name, err)
			}
		}
		if cfg.Expected == nil && !cfg.ExpectFailure {
			t.Errorf("%s: neither expected counts nor expect_failure", cfg.Name)
		}
	}
}
