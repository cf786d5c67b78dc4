package rewrite

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// cacheModule is a module of three packages: svc calls through a client that lib
// makes, and other calls net/http directly.
var cacheModule = map[string]string{
	"go.mod": "module example.com/app\n\ngo 1.22\n",
	"lib/lib.go": `package lib

import "net/http"

// New returns the client svc calls.
func New() *http.Client { return http.DefaultClient }
`,
	"svc/main.go": `package main

import "example.com/app/lib"

func main() {
	resp, err := lib.New().Get("http://inventory/items")
	if err == nil {
		resp.Body.Close()
	}
}
`,
	"other/other.go": `package other

import "net/http"

// Ping calls the health check.
func Ping() error {
	resp, err := http.Get("http://inventory/health")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
`,
}

// writeModule writes files under a new temporary directory and returns it.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}
	return dir
}

// generate builds and writes the plan of the module in dir into out.
func generate(t *testing.T, dir, out string) *Plan {
	t.Helper()
	plan, err := Build(context.Background(), Config{Dir: dir, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Write(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// sameOutput fails the test unless got, a plan that reused part of an earlier run,
// has exactly the output of want, a plan made from nothing into another directory.
func sameOutput(t *testing.T, got, want *Plan) {
	t.Helper()
	norm := func(p *Plan) map[string]string {
		m := make(map[string]string)
		for rel, content := range p.Files {
			if rel != cacheFile {
				m[rel] = string(bytes.ReplaceAll(content, []byte(p.Out), []byte("$OUT")))
			}
		}
		return m
	}
	g, w := norm(got), norm(want)
	var diff []string
	for rel := range w {
		if g[rel] != w[rel] {
			diff = append(diff, rel)
		}
	}
	for rel := range g {
		if _, ok := w[rel]; !ok {
			diff = append(diff, rel+" (extra)")
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("output differs from a fresh run in %s", strings.Join(diff, ", "))
	}
	if !reflect.DeepEqual(got.Sites, want.Sites) {
		t.Errorf("sites differ from a fresh run:\n got %+v\nwant %+v", got.Sites, want.Sites)
	}
}

func TestCacheReusesUnchangedDirectories(t *testing.T) {
	dir := writeModule(t, cacheModule)
	out := filepath.Join(dir, ".filibuster")
	first := generate(t, dir, out)
	if first.Reused != 0 || first.Analyzed != 3 {
		t.Fatalf("first run: reused %d, analyzed %d; want 0 and 3", first.Reused, first.Analyzed)
	}
	if !hasSite(first, "svc/main.go", "Get") {
		t.Fatalf("first run: svc's call through lib's client is not a site: %+v", first.Sites)
	}
	fresh := func() *Plan { return generate(t, dir, t.TempDir()) }

	t.Run("unchanged", func(t *testing.T) {
		again := generate(t, dir, out)
		if again.Reused != 3 || again.Analyzed != 0 {
			t.Errorf("reused %d, analyzed %d; want 3 and 0", again.Reused, again.Analyzed)
		}
		sameOutput(t, again, first)
		if stale, err := again.Stale(); err != nil || len(stale) > 0 {
			t.Errorf("Stale() = %v, %v after a run that changed nothing", stale, err)
		}
	})

	t.Run("edited file", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "other", "other.go"), strings.Replace(cacheModule["other/other.go"],
			"return resp.Body.Close()", "resp.Body.Close()\n\tresp, err = http.Get(\"http://inventory/ready\")\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn resp.Body.Close()", 1))
		plan := generate(t, dir, out)
		if plan.Reused != 2 || plan.Analyzed != 1 {
			t.Errorf("reused %d, analyzed %d; want 2 and 1 (other only)", plan.Reused, plan.Analyzed)
		}
		sameOutput(t, plan, fresh())
	})

	t.Run("dependency changed", func(t *testing.T) {
		// svc's file is as it was, but what it calls is no longer an *http.Client:
		// svc must be scanned again, and its site disappears.
		writeFile(t, filepath.Join(dir, "lib", "lib.go"), `package lib

// Client is no HTTP client.
type Client struct{}

// Get does nothing.
func (Client) Get(string) (*struct{ Body interface{ Close() error } }, error) { return nil, nil }

// New returns the client svc calls.
func New() Client { return Client{} }
`)
		plan := generate(t, dir, out)
		if plan.Reused != 1 || plan.Analyzed != 2 {
			t.Errorf("reused %d, analyzed %d; want 1 and 2 (lib and svc)", plan.Reused, plan.Analyzed)
		}
		if hasSite(plan, "svc/main.go", "Get") {
			t.Errorf("svc's call is still listed as a site: %+v", plan.Sites)
		}
		sameOutput(t, plan, fresh())
	})

	t.Run("output edited by hand", func(t *testing.T) {
		var copyOfOther string
		for rel := range first.Files {
			if strings.HasPrefix(rel, "other/") {
				copyOfOther = rel
			}
		}
		if copyOfOther == "" {
			t.Fatalf("no instrumented copy of other's file among %v", keysOf(first.Files))
		}
		writeFile(t, filepath.Join(out, copyOfOther), "package other\n")
		plan := generate(t, dir, out)
		if plan.Analyzed != 1 {
			t.Errorf("analyzed %d; want 1 (other, whose copy was edited)", plan.Analyzed)
		}
		sameOutput(t, plan, fresh())
	})

	t.Run("record unreadable", func(t *testing.T) {
		writeFile(t, filepath.Join(out, cacheFile), "{")
		plan := generate(t, dir, out)
		if plan.Reused != 0 || plan.Analyzed != 3 {
			t.Errorf("reused %d, analyzed %d; want 0 and 3", plan.Reused, plan.Analyzed)
		}
		sameOutput(t, plan, fresh())
	})

	t.Run("service renamed", func(t *testing.T) {
		plan, err := Build(context.Background(), Config{Dir: dir, Out: out, Services: map[string]string{"svc": "renamed"}})
		if err != nil {
			t.Fatal(err)
		}
		if plan.Analyzed != 1 {
			t.Errorf("analyzed %d; want 1 (svc, whose service name changed)", plan.Analyzed)
		}
		found := false
		for rel, content := range plan.Files {
			if strings.HasPrefix(rel, "svc/") && bytes.Contains(content, []byte(`"renamed"`)) {
				found = true
			}
		}
		if !found {
			t.Errorf("svc's copy does not name the service \"renamed\"")
		}
	})
}

// hasSite reports whether plan lists a site in file whose callee contains callee.
func hasSite(plan *Plan, file, callee string) bool {
	for _, s := range plan.Sites {
		if s.File == file && strings.Contains(s.Callee, callee) {
			return true
		}
	}
	return false
}

func keysOf(m map[string][]byte) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
