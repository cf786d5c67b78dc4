package filibustertest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
)

// generatorPath is the generator's command, for the test's messages and its go run.
const generatorPath = "github.com/filibuster-go/filibuster-gen/cmd/filibuster-gen"

// runGenerator runs the generator with args. The generator is, in this order:
//
//   - the program $FILIBUSTER_GEN names;
//   - in filibuster-gen's own module, `go run` of its source;
//   - `go run generatorPath@VERSION`, VERSION being the version of this package's
//     module the test is built with, when it is a released one (the module cache then
//     holds it after the first run, and the service's go.mod is not changed);
//   - filibuster-gen on the PATH (installed from a clone: go install ./cmd/filibuster-gen).
func runGenerator(args ...string) error {
	name, pre, err := generator()
	if err != nil {
		return err
	}
	cmd := exec.Command(name, append(pre, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(append(pre, args...), " "), err, out.Bytes())
	}
	return nil
}

// generator returns the command that runs the generator and its first arguments.
func generator() (string, []string, error) {
	if g := os.Getenv("FILIBUSTER_GEN"); g != "" {
		return g, nil, nil
	}
	const module = "github.com/filibuster-go/filibuster-gen"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Path == module {
			return "go", []string{"run", generatorPath}, nil
		}
		for _, d := range info.Deps {
			if d.Path == module+"/runtime" && d.Replace == nil && d.Version != "" && d.Version != "(devel)" {
				return "go", []string{"run", generatorPath + "@" + d.Version}, nil
			}
		}
	}
	if p, err := exec.LookPath("filibuster-gen"); err == nil {
		return p, nil, nil
	} else if !errors.Is(err, exec.ErrNotFound) {
		return "", nil, err
	}
	return "", nil, fmt.Errorf("the generator is not found: install it (go install %s@latest, or go install ./cmd/filibuster-gen in a clone) or set FILIBUSTER_GEN to its path", generatorPath)
}
