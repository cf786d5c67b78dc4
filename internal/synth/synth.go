// Package synth writes synthetic applications for filibuster-gen: N net/http services
// calling each other along a directed acyclic graph, with retries and optional calls,
// together with their filibuster.json and a functional test. They are written at test
// or benchmark time, to measure explorations of any size without hand-written ports.
//
// The shape of an application is a function of its Params alone: the same Params give
// byte-identical files.
//
// Service i (named svc00, svc01, ...) calls up to FanOut services of higher index: always
// service i+1, so that every service is reached from the entry svc00, and the others
// drawn from the seed. Each call is tried up to 1+Retries times; an error or a status
// other than 200 makes it try again. When every attempt fails, an optional call is
// replaced by a fallback and the service still answers 200; a required one makes the
// service answer 503. Each service answers GET /work with the tree of the calls it
// made, which the functional test compares with the tree the graph predicts.
package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// Params describes a synthetic application.
type Params struct {
	// Name is the application's name; default "synthetic".
	Name string
	// Services is the number of services, at least 1.
	Services int
	// FanOut is the number of services each service calls, at most: service i calls
	// min(FanOut, Services-1-i) services of higher index.
	FanOut int
	// Retries is the number of times a failed call is tried again.
	Retries int
	// Optional is the probability, drawn from the seed for each call but the first of
	// every service, that a call is optional: its failure is tolerated.
	Optional float64
	// Seed chooses the callees and the optional calls.
	Seed uint64
	// Latency is how long each service waits before it answers GET /work, as a
	// database query would: an application whose executions wait rather than
	// compute (see docs/scale.md, "When it pays").
	Latency time.Duration
	// RuntimeDir is the directory of the runtime module
	// (github.com/filibuster-go/filibuster-gen/runtime); the application's go.mod
	// replaces the module with it. It is made absolute.
	RuntimeDir string
}

// Call is one edge of an application's graph.
type Call struct {
	// To is the index of the service called.
	To int
	// Optional says whether the call's failure is tolerated.
	Optional bool
}

// Graph returns, for each service, the calls it makes, in the order it makes them
// (ascending callee index).
func (p Params) Graph() ([][]Call, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0x5eed))
	graph := make([][]Call, p.Services)
	for i := range graph {
		rest := p.Services - 1 - i
		k := min(p.FanOut, rest)
		if k == 0 {
			continue
		}
		// The first callee is i+1; the other k-1 are a sample of the services above it.
		chosen := make([]bool, rest)
		chosen[0] = true
		for _, j := range rng.Perm(rest - 1)[:k-1] {
			chosen[j+1] = true
		}
		for j, ok := range chosen {
			if !ok {
				continue
			}
			// Draw for every call so that the first call's draw does not shift the others.
			opt := rng.Float64() < p.Optional
			graph[i] = append(graph[i], Call{To: i + 1 + j, Optional: opt && j != 0})
		}
	}
	return graph, nil
}

// check reports whether p describes an application.
func (p Params) check() error {
	switch {
	case p.Services < 1:
		return errors.New("synth: at least one service is needed")
	case p.FanOut < 0 || p.Retries < 0:
		return errors.New("synth: negative fan-out or retries")
	case p.Optional < 0 || p.Optional > 1:
		return errors.New("synth: the probability of an optional call must be in [0, 1]")
	case p.RuntimeDir == "":
		return errors.New("synth: no runtime module directory")
	}
	return nil
}

// ServiceName returns the name of service i of an application of n services.
func ServiceName(i, n int) string {
	width := len(fmt.Sprint(n - 1))
	return fmt.Sprintf("svc%0*d", max(width, 2), i)
}

// Write writes the application into dir, which must not exist or be empty: a module
// of its own (go.mod), filibuster.json, a main package per service and the functional
// test's main package in functional/.
func Write(dir string, p Params) error {
	if p.Name == "" {
		p.Name = "synthetic"
	}
	graph, err := p.Graph()
	if err != nil {
		return err
	}
	runtimeDir, err := filepath.Abs(p.RuntimeDir)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	files := map[string][]byte{
		"go.mod": fmt.Appendf(nil, "module synthetic.example/%s\n\ngo 1.26.0\n\nrequire github.com/filibuster-go/filibuster-gen/runtime v0.0.0\n\nreplace github.com/filibuster-go/filibuster-gen/runtime => %s\n", p.Name, runtimeDir),
	}

	cfg := config{
		Name:           p.Name,
		Description:    fmt.Sprintf("synthetic: %d services, fan-out %d, %d retries, optional calls %.2f, seed %d", p.Services, p.FanOut, p.Retries, p.Optional, p.Seed),
		Entry:          ServiceName(0, p.Services),
		FunctionalTest: "./functional",
	}
	for i, calls := range graph {
		name := ServiceName(i, p.Services)
		cfg.Services = append(cfg.Services, configService{Name: name, Package: "./" + name})
		s := service{Name: name, App: p.Name, Attempts: 1 + p.Retries, Latency: int64(p.Latency)}
		for _, c := range calls {
			callee := ServiceName(c.To, p.Services)
			s.Callees = append(s.Callees, serviceCallee{Name: callee, Env: envName(callee), Optional: c.Optional})
		}
		src, err := render(serviceTemplate, s)
		if err != nil {
			return fmt.Errorf("synth: service %s: %w", name, err)
		}
		files[filepath.Join(name, "main.go")] = src
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	files["filibuster.json"] = append(data, '\n')

	// The functional test knows the expected tree with each call's optionality.
	var tree func(i int, optional bool) wantNode
	tree = func(i int, optional bool) wantNode {
		n := wantNode{Service: ServiceName(i, p.Services), Optional: optional}
		for _, c := range graph[i] {
			n.Calls = append(n.Calls, tree(c.To, c.Optional))
		}
		return n
	}
	want, err := json.Marshal(tree(0, false))
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	src, err := render(functionalTemplate, functional{
		App:   p.Name,
		Entry: envName(cfg.Entry),
		Want:  "`" + string(want) + "`",
	})
	if err != nil {
		return fmt.Errorf("synth: functional test: %w", err)
	}
	files[filepath.Join("functional", "main.go")] = src

	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("synth: %s is not empty", dir)
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	return nil
}

// envName returns the variable holding a service's URL (docs/run.md).
func envName(service string) string {
	return strings.ToUpper(service) + "_URL"
}

// render executes a template and formats the result as gofmt does.
func render(t *template.Template, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	return format.Source(buf.Bytes())
}

// config is the part of filibuster.json a synthetic application uses.
type config struct {
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Services       []configService `json:"services"`
	Entry          string          `json:"entry"`
	FunctionalTest string          `json:"functional_test"`
}

type configService struct {
	Name    string `json:"name"`
	Package string `json:"package"`
}

// wantNode is a node of the functional test's expected tree.
type wantNode struct {
	Service  string     `json:"service"`
	Optional bool       `json:"optional,omitempty"`
	Calls    []wantNode `json:"calls,omitempty"`
}

// service is what serviceTemplate needs.
type service struct {
	Name, App string
	Attempts  int
	Latency   int64 // nanoseconds
	Callees   []serviceCallee
}

type serviceCallee struct {
	Name, Env string
	Optional  bool
}

// functional is what functionalTemplate needs.
type functional struct {
	App, Entry, Want string
}
