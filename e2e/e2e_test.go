package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// TestBrokenVariantCounterexample explores cinema-2-broken, whose users service turns a
// 404 from bookings into a 200 with an empty body: the exploration must stop at the
// execution that injects that 404 (the sixth, as with the reference server) and write a
// counterexample, and replaying the counterexample must fail again. Replaying it
// against the correct cinema-2 must pass: the failure is the bug, not the fault.
func TestBrokenVariantCounterexample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	app, err := Prepare(ctx, BuildOptions{Dir: filepath.Join("..", "examples", "cinema-2-broken")})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	ce := filepath.Join(t.TempDir(), "counterexample.json")
	summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, CounterexampleFile: ce})
	if err != nil {
		t.Fatal(err)
	}
	if !summary.Failed {
		t.Fatalf("exploring cinema-2-broken passed (%d executions); want a failure", summary.ExecutionsRan)
	}
	if summary.ExecutionsRan != 6 {
		t.Errorf("exploration stopped after %d executions; the reference stops after 6", summary.ExecutionsRan)
	}
	if _, err := os.Stat(ce); err != nil {
		t.Fatalf("no counterexample written: %v", err)
	}

	replay, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, Replay: ce})
	if err != nil {
		t.Fatal(err)
	}
	if !replay.Failed {
		t.Errorf("replaying the counterexample passed; want the failure reproduced")
	}
}

// TestShop explores the shop application, whose order service uses an id created by
// inventory in a follow-up call, fans out on goroutines without a context and retries
// payments. The broken variant's bug sits behind the id-carrying DELETE: the
// exploration must find it and the counterexample must replay. The fixed variant must
// pass with every scheduled fault injected, with its expected count, and explore the
// same executions in the same order every time.
func TestShop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("broken", func(t *testing.T) {
		last := findsBug(ctx, t, "shop-broken")
		if !strings.Contains(last, "/reservations/res-") {
			t.Errorf("the failing execution does not fault the DELETE of the reservation: %s", last)
		}
	})

	t.Run("fixed", func(t *testing.T) {
		dir := filepath.Join("..", "examples", "shop")
		cfg, err := deploy.LoadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Expected == nil {
			t.Fatal("examples/shop has no expected counts")
		}
		app, err := Prepare(ctx, BuildOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		var runs []string
		for i := 0; i < 3; i++ {
			var progress bytes.Buffer
			summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, Progress: &progress})
			if err != nil {
				t.Fatal(err)
			}
			if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 {
				t.Fatalf("run %d: failed %t, %d executions with faults that never landed, %d nondeterministic; want none",
					i+1, summary.Failed, len(summary.Unreached), summary.Diverged)
			}
			if summary.Passed != summary.ExecutionsRan || summary.ExecutionsRan != cfg.Expected.WithReduction {
				t.Errorf("run %d: %d executions, %d passed; want %d, all passed", i+1, summary.ExecutionsRan, summary.Passed, cfg.Expected.WithReduction)
			}
			runs = append(runs, executionSequence(progress.String()))
		}
		for i := 1; i < len(runs); i++ {
			if runs[i] != runs[0] {
				t.Errorf("run %d explored other executions, or in another order, than run 1", i+1)
			}
		}
	})
}

// callPort matches the port that starts a call's URL in a progress line ("GET 31262/x").
var callPort = regexp.MustCompile(`( )[0-9]+/`)

// executionSequence returns the faults of each execution of a progress log, one line
// each, without the running counts and with the ports of the calls' URLs left out: a
// run gets another block of ports when its usual one is taken (by another test exploring
// the same application at the same time), and the calls it makes are the same.
func executionSequence(progress string) string {
	var b strings.Builder
	for _, line := range strings.Split(progress, "\n") {
		if !strings.HasPrefix(line, "execution ") {
			continue
		}
		if i := strings.LastIndex(line, " (ran "); i >= 0 {
			line = line[:i]
		}
		line = callPort.ReplaceAllString(line, "${1}PORT/")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestMixed explores the mixed application, whose services call each other only
// through libraries (a generated OpenAPI client over an otelhttp transport, resty,
// go-retryablehttp) and serve through frameworks (chi, gin, echo): with net/http
// instrumented, every one of those calls is reported and faulted. The broken variant's
// bug sits behind the resty call; the fixed one passes with every fault landing.
func TestMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t.Run("broken", func(t *testing.T) {
		if last := findsBug(ctx, t, "mixed-broken"); !strings.Contains(last, "on ledger POST ") {
			t.Errorf("the failing execution does not fault the resty call to ledger: %s", last)
		}
	})

	t.Run("fixed", func(t *testing.T) {
		dir := filepath.Join("..", "examples", "mixed")
		cfg, err := deploy.LoadConfig(dir)
		if err != nil {
			t.Fatal(err)
		}
		app, err := Prepare(ctx, BuildOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		var trace bytes.Buffer
		summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, Trace: &trace})
		if err != nil {
			t.Fatal(err)
		}
		if summary.Failed || len(summary.Unreached) > 0 || summary.ExecutionsRan != cfg.Expected.WithReduction {
			t.Errorf("failed %t, unreached %v, %d executions; want a pass with every fault landing in %d",
				summary.Failed, summary.Unreached, summary.ExecutionsRan, cfg.Expected.WithReduction)
		}
		// Every service is reached: the callers through their libraries, the callees
		// through their frameworks.
		sites := make(map[string]bool)
		ids := make(map[string]string) // "file:line" -> the site id the runtime reported
		targets := make(map[string]bool)
		for _, line := range strings.Split(string(referenceForm(t, trace.Bytes())), "\n") {
			var x struct {
				Path    string         `json:"path"`
				Request map[string]any `json:"request"`
			}
			if json.Unmarshal([]byte(line), &x) != nil || x.Request == nil {
				continue
			}
			if x.Path == "/filibuster/create" {
				at := fmt.Sprintf("%v:%v", x.Request["callsite_file"], x.Request["callsite_line"])
				sites[at] = true
				ids[at], _ = x.Request["full_traceback"].(string)
			}
			if t, ok := x.Request["target_service_name"].(string); ok {
				targets[t] = true
			}
		}
		for _, want := range []string{"accounts", "ledger", "notify"} {
			if !targets[want] {
				t.Errorf("%s never reported a request (served through its framework)", want)
			}
		}
		for site := range sites {
			if !strings.HasPrefix(site, "gateway/main.go:") {
				t.Errorf("a call is attributed to %s, not to a line of gateway's own code", site)
			}
		}
		if len(sites) < 3 {
			t.Errorf("calls reported from %d sites (%v); want the OpenAPI client's, resty's and retryablehttp's", len(sites), sites)
		}
		// The library calls the generator lists (resty's, retryablehttp's) are
		// reported under the ids of its manifest.
		data, err := os.ReadFile(filepath.Join(app.WorkDir, "generated", "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var manifest []struct {
			ID, File, Kind string
			Line           int
		}
		if err := json.Unmarshal(data, &manifest); err != nil {
			t.Fatal(err)
		}
		listed := 0
		for _, m := range manifest {
			if m.Kind != "library" {
				continue
			}
			listed++
			at := fmt.Sprintf("%s:%d", m.File, m.Line)
			if ids[at] != m.ID {
				t.Errorf("library call at %s reported with id %q, the manifest says %q", at, ids[at], m.ID)
			}
		}
		if listed != 2 {
			t.Errorf("the manifest lists %d library calls, want resty's and retryablehttp's", listed)
		}
		checkStatusesInjected(t, app.Analysis, string(referenceForm(t, trace.Bytes())), targets)
	})
}

// checkStatusesInjected checks that the exploration whose trace is given injected,
// on calls to each service that instrumented calls reach (targets), every error status
// the analysis gives that service.
func checkStatusesInjected(t *testing.T, analysis *faultmodel.File, trace string, targets map[string]bool) {
	t.Helper()
	targetOf := make(map[string]string) // execution index -> the callee that reported it
	type injection struct{ ei, status string }
	var injected []injection
	for _, line := range strings.Split(trace, "\n") {
		var x struct {
			Path    string `json:"path"`
			Request struct {
				ExecutionIndex      string `json:"execution_index"`
				InstrumentationType string `json:"instrumentation_type"`
				TargetServiceName   string `json:"target_service_name"`
			} `json:"request"`
			Response struct {
				FailureMetadata *struct {
					ReturnValue struct {
						StatusCode any `json:"status_code"`
					} `json:"return_value"`
				} `json:"failure_metadata"`
			} `json:"response"`
		}
		if json.Unmarshal([]byte(line), &x) != nil {
			continue
		}
		switch {
		case x.Path == "/filibuster/update" && x.Request.InstrumentationType == "request_received":
			targetOf[x.Request.ExecutionIndex] = x.Request.TargetServiceName
		case x.Path == "/filibuster/create" && x.Response.FailureMetadata != nil:
			injected = append(injected, injection{x.Request.ExecutionIndex, fmt.Sprint(x.Response.FailureMetadata.ReturnValue.StatusCode)})
		}
	}
	seen := make(map[string]bool) // "service status"
	for _, in := range injected {
		seen[targetOf[in.ei]+" "+in.status] = true
	}
	checked := 0
	for _, r := range analysis.Rules {
		for _, e := range r.Rule.Errors {
			for service := range targets {
				if !e.MatchService(service) {
					continue
				}
				for _, raw := range e.Types {
					var typ struct {
						ReturnValue struct {
							StatusCode any `json:"status_code"`
						} `json:"return_value"`
					}
					if json.Unmarshal(raw, &typ) != nil || typ.ReturnValue.StatusCode == nil {
						continue
					}
					status := fmt.Sprint(typ.ReturnValue.StatusCode)
					checked++
					if !seen[service+" "+status] {
						t.Errorf("the analysis gives %s status %s, but no execution injected it on a call to %s", service, status, service)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Error("the analysis gives no error status to any service the calls reach")
	}
}

// findsBug explores the broken example app with dynamic reduction and checks that an
// execution fails, that its counterexample replays the failure with every fault landing,
// and that the replay leaves the file as it was. It returns the failing execution's
// progress line.
func findsBug(ctx context.Context, t *testing.T, app string) string {
	t.Helper()
	a, err := Prepare(ctx, BuildOptions{Dir: filepath.Join("..", "examples", app)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ce := filepath.Join(t.TempDir(), "counterexample.json")
	var progress bytes.Buffer
	summary, err := a.Explore(ctx, ExploreOptions{DynamicReduction: true, CounterexampleFile: ce, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !summary.Failed {
		t.Fatalf("exploring %s passed (%d executions); want the planted bug found", app, summary.ExecutionsRan)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, "FAILED") {
		t.Errorf("the last progress line is not the failing execution's: %s", last)
	}
	before, err := os.ReadFile(ce)
	if err != nil {
		t.Fatalf("no counterexample written: %v", err)
	}
	replay, err := a.Explore(ctx, ExploreOptions{DynamicReduction: true, Replay: ce, CounterexampleFile: ce})
	if err != nil {
		t.Fatal(err)
	}
	if !replay.Failed || len(replay.Unreached) > 0 {
		t.Errorf("replay: failed %t, unreached %v; want the failure reproduced with every fault landing", replay.Failed, replay.Unreached)
	}
	if after, _ := os.ReadFile(ce); !bytes.Equal(before, after) {
		t.Error("the replayed counterexample file was rewritten")
	}
	return last
}
