package analysis

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/filibuster-go/filibuster-gen/rewrite"
)

var update = flag.Bool("update", false, "rewrite the golden file")

// TestGolden analyses the services of testdata and compares with
// testdata/analysis.golden: codes through literals and constants (literals), helpers in
// the same and in an internal package (helpers), helper parameters across packages
// (crossparam), returns, switches and if branches (returns), maps, slices and arrays of
// constants (tables), errors.Is and errors.As dispatch (errorsis), gin (ginsvc), echo
// (echosvc), chi's render (rendersvc), sinks added by a table (customsink, with
// testdata/sinks.json), codes only in tests (testonly), a service with none (none),
// unresolvable values with the call sites that pass them (unresolved), and a gRPC
// service's status codes, direct, through a helper and from a table (grpcsvc).
func TestGolden(t *testing.T) {
	sinks, err := ReadSinks(filepath.Join("testdata", "sinks.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunOptions(context.Background(), rewrite.Config{Dir: "testdata"}, Options{Sinks: sinks})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := WriteTable(&got, r); err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(r.File())
	if err != nil {
		t.Fatal(err)
	}
	got.Write(data)
	golden := filepath.Join("testdata", "analysis.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("analysis differs from %s (go test ./analysis -update to accept):\n--- got\n%s\n--- want\n%s", golden, got.Bytes(), want)
	}
}

// TestCinemaCorpus checks that the Go ports of the paper's applications get exactly the
// per-service codes of corpus.md §2, 500 first.
func TestCinemaCorpus(t *testing.T) {
	cinema1 := map[string][]int{"bookings": {500, 404}, "movies": {500, 404}, "users": {500, 404, 503}, "showtimes": {500, 404}}
	cinema2 := map[string][]int{"bookings": {500, 404, 503}, "movies": {500, 404}, "users": {500, 404, 503}, "showtimes": {500, 404}}
	cinema6 := map[string][]int{"bookings-primary": {500, 404}, "bookings-secondary": {500, 404}, "movies": {500, 404}, "users": {500, 404, 503}, "showtimes": {500, 404}}
	want := map[string]map[string][]int{
		"cinema-1": cinema1,
		"cinema-2": cinema2,
		"cinema-3": cinema2,
		"cinema-4": cinema2,
		"cinema-5": {"bookings": {500, 404}, "movies": {500, 404}, "users": {500, 404}, "showtimes": {500, 404}},
		"cinema-6": cinema6,
		"cinema-7": cinema6,
		"cinema-8": {"monolith": {500, 404}, "api-server": {500, 503, 404}},
	}
	for app, services := range want {
		t.Run(app, func(t *testing.T) {
			var patterns []string
			for svc := range services {
				patterns = append(patterns, "./examples/"+app+"/"+svc)
			}
			r, err := Run(context.Background(), rewrite.Config{Dir: "..", Patterns: patterns})
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string][]int)
			for _, s := range r.Services {
				for _, c := range s.Codes {
					got[s.Name] = append(got[s.Name], c.Status)
				}
			}
			if !reflect.DeepEqual(got, services) {
				t.Errorf("codes %v, want %v", got, services)
			}
			if len(r.Unresolved) > 0 {
				t.Errorf("unresolved codes: %v", r.Unresolved)
			}
		})
	}
}

// TestServiceNames checks that --service names override directory names.
func TestServiceNames(t *testing.T) {
	r, err := Run(context.Background(), rewrite.Config{Dir: "testdata", Patterns: []string{"./none"}, Services: map[string]string{"none": "static-files"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 1 || r.Services[0].Name != "static-files" {
		t.Errorf("services %v, want one named static-files", fmt.Sprint(r.Services))
	}
}

// TestDuplicateServiceNames checks that two main packages with one service name are an
// error that names both directories and the name, rather than two rules for it.
func TestDuplicateServiceNames(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const service = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })\n\thttp.ListenAndServe(\":0\", nil)\n}\n"
	write("go.mod", "module example.com/dup\n\ngo 1.22\n")
	write("v1/api-gateway/main.go", service)
	write("v2/api-gateway/main.go", service)
	write("users/main.go", service)

	_, err := Run(context.Background(), rewrite.Config{Dir: dir})
	if err == nil {
		t.Fatal("no error for two services named api-gateway")
	}
	for _, want := range []string{`"api-gateway"`, "./v1/api-gateway", "./v2/api-gateway"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "users") {
		t.Errorf("error %q names users, whose name is its own", err)
	}

	// Either remedy the error suggests works.
	r, err := Run(context.Background(), rewrite.Config{Dir: dir, Services: map[string]string{"v1/api-gateway": "api-gateway-v1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := serviceNames(r); !reflect.DeepEqual(got, []string{"api-gateway", "api-gateway-v1", "users"}) {
		t.Errorf("with --service: services %v", got)
	}
	r, err = Run(context.Background(), rewrite.Config{Dir: dir, Exclude: []string{"./v1/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if got := serviceNames(r); !reflect.DeepEqual(got, []string{"api-gateway", "users"}) {
		t.Errorf("with --exclude: services %v", got)
	}
}

// TestNotServices checks that a functional test (a main package importing the runtime)
// and excluded main packages get no rule.
func TestNotServices(t *testing.T) {
	r, err := Run(context.Background(), rewrite.Config{Dir: "..", Patterns: []string{"./examples/cinema-3/..."}, Exclude: []string{"./examples/cinema-3/showtimes"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := serviceNames(r); !reflect.DeepEqual(got, []string{"bookings", "movies", "users"}) {
		t.Errorf("services %v, want bookings, movies, users (not functional, which imports the runtime, nor the excluded showtimes)", got)
	}
}

func serviceNames(r *Report) []string {
	var names []string
	for _, s := range r.Services {
		names = append(names, s.Name)
	}
	return names
}

// TestSinkTable checks that customsink answers nothing but 500 without its sink table,
// and that a malformed table is refused with the entry named.
func TestSinkTable(t *testing.T) {
	r, err := Run(context.Background(), rewrite.Config{Dir: "testdata", Patterns: []string{"./customsink"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Services) != 1 || len(r.Services[0].Codes) != 1 {
		t.Errorf("without the sink table: %v, want only 500", r.Services)
	}
	for _, bad := range []string{
		`[{"function": "a.F", "field": "a.T.F"}]`,
		`[{"status_arg": 1}]`,
		`[{"field": "T.F"}]`,
		`[{"function": "a.F", "status": 4040}]`,
		`[{"function": "a.F", "arg": 1}]`,
	} {
		if _, err := ParseSinks([]byte(bad)); err == nil {
			t.Errorf("ParseSinks(%s): no error", bad)
		}
	}
}

// TestMixedExample checks the services of examples/mixed, written with chi, gin, echo
// and net/http, against the statuses their code answers.
func TestMixedExample(t *testing.T) {
	dir := filepath.Join("..", "examples", "mixed")
	// The example is a module of its own: fetch its dependencies (through the module
	// proxy, as building it does) before loading it.
	download := exec.Command("go", "mod", "download")
	download.Dir = dir
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download in %s: %v\n%s", dir, err, out)
	}
	r, err := Run(context.Background(), rewrite.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[string][]int)
	for _, s := range r.Services {
		for _, c := range s.Codes {
			got[s.Name] = append(got[s.Name], c.Status)
		}
	}
	want := map[string][]int{
		"accounts": {500, 404},
		"gateway":  {500, 400, 503, 404, 409},
		"ledger":   {500, 400, 409},
		"notify":   {500, 400},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("codes %v, want %v", got, want)
	}
	if len(r.Unresolved) > 0 {
		t.Errorf("unresolved: %v", r.Unresolved)
	}
}
