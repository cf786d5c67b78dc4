package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/deploy"
)

// The calls of grpc-cinema-1: users's GetUserBookings calls bookings, then movies once
// for chris_rivers's one booked movie.
const (
	getBookings = "/cinema.Bookings/GetBookings"
	getMovie    = "/cinema.Movies/GetMovie"
)

// TestGRPCCinema1 explores grpc-cinema-1, the gRPC port of cinema-1, with and without
// dynamic reduction, and checks from the coordinator's trace that every call is reported
// as a gRPC call from users's stub calls, that both callees report the requests they
// serve, and which faults each execution injects.
//
// The count: the functional test's call to users is not instrumented, so users's two
// calls are the only ones faulted. Its analysis.json gives each call the exceptions
// UNAVAILABLE and DEADLINE_EXCEEDED (both calls have a 10 s deadline, so the timeout
// restriction holds) and its callee's error codes INTERNAL and NOT_FOUND: 4 faults per
// call, one at a time, since every fault fails users's call and so the test's. A fault
// on bookings keeps movies from being called, so no combination is scheduled:
// 1 fault-free + 4 on bookings + 4 on movies = 9 executions. Dynamic reduction prunes
// none: no service answers any of those codes in another execution, so no fault's
// outcome was seen before. These are cinema-1's counts, 9 / 9 (the paper's Table 1).
func TestGRPCCinema1(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	const want = 1 + 4 + 4
	dir := filepath.Join("..", "examples", "grpc-cinema-1")
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Expected == nil || cfg.Expected.WithoutReduction != want || cfg.Expected.WithReduction != want {
		t.Errorf("filibuster.json expects %+v; the calls and analysis.json give %d both ways", cfg.Expected, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	app, err := Prepare(ctx, BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	for _, reduction := range []bool{false, true} {
		t.Run(fmt.Sprintf("reduction=%t", reduction), func(t *testing.T) {
			var trace bytes.Buffer
			summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: reduction, Trace: &trace})
			if err != nil {
				t.Fatal(err)
			}
			if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 || summary.Passed != summary.ExecutionsRan {
				t.Errorf("failed %t, unreached %v, %d nondeterministic, %d of %d passed; want a pass with every fault landing",
					summary.Failed, summary.Unreached, summary.Diverged, summary.Passed, summary.ExecutionsRan)
			}
			if summary.ExecutionsRan != want || summary.Pruned != 0 {
				t.Errorf("%d executions ran, %d pruned; want %d, none pruned", summary.ExecutionsRan, summary.Pruned, want)
			}
			checkGRPCCinema1(t, splitExecutions(parseTrace(t, trace.Bytes())))
		})
	}
}

// checkGRPCCinema1 checks the executions of a grpc-cinema-1 trace: the first calls
// bookings then movies without a fault; every other one injects one fault, on bookings
// (and then never calls movies) or on movies; and together they inject each of the 8
// faults once.
func checkGRPCCinema1(t *testing.T, execs [][]exchange) {
	t.Helper()
	seen := make(map[string]int) // "method code" -> executions injecting it
	for i, xs := range execs {
		var calls, faults []string
		received := make(map[string]bool)
		for _, x := range xs {
			var req struct {
				Type     string         `json:"instrumentation_type"`
				Source   string         `json:"source_service_name"`
				Target   string         `json:"target_service_name"`
				Module   string         `json:"module"`
				Method   string         `json:"method"`
				File     string         `json:"callsite_file"`
				Metadata map[string]any `json:"metadata"`
			}
			if json.Unmarshal(x.Request, &req) != nil {
				continue
			}
			switch {
			case x.Path == "/filibuster/create":
				if req.Module != "grpc" || req.Source != "users" || req.File != "users/main.go" {
					t.Errorf("execution %d: a call reported as module %q from %s at %s; want grpc calls from users/main.go",
						i+1, req.Module, req.Source, req.File)
				}
				if _, ok := req.Metadata["timeout"]; !ok {
					t.Errorf("execution %d: the call to %s is reported without its deadline", i+1, req.Method)
				}
				calls = append(calls, req.Method)
				if code := grpcFault(x.Response); code != "" {
					faults = append(faults, req.Method+" "+code)
				}
			case req.Type == "request_received":
				received[req.Target] = true
			}
		}
		for _, f := range faults {
			seen[f]++
		}
		switch {
		case i == 0:
			if !slices.Equal(calls, []string{getBookings, getMovie}) || len(faults) > 0 {
				t.Errorf("execution 1 calls %v and injects %v; want bookings then movies, no fault", calls, faults)
			}
			if !received["bookings"] || !received["movies"] {
				t.Errorf("execution 1: requests reported received by %v; want bookings and movies", received)
			}
		case len(faults) != 1:
			t.Errorf("execution %d injects %v; want one fault", i+1, faults)
		case strings.HasPrefix(faults[0], getBookings+" ") && !slices.Equal(calls, []string{getBookings}):
			t.Errorf("execution %d faults bookings and calls %v; want bookings only", i+1, calls)
		case strings.HasPrefix(faults[0], getMovie+" ") && !slices.Equal(calls, []string{getBookings, getMovie}):
			t.Errorf("execution %d faults movies and calls %v; want bookings then movies", i+1, calls)
		}
	}
	for _, m := range []string{getBookings, getMovie} {
		for _, code := range []string{"UNAVAILABLE", "DEADLINE_EXCEEDED", "INTERNAL", "NOT_FOUND"} {
			if n := seen[m+" "+code]; n != 1 {
				t.Errorf("%s %s injected in %d executions; want 1", m, code, n)
			}
		}
	}
}

// grpcFault returns the status code a create answer injects, as a forced exception or
// as an error code, or "" when it injects nothing.
func grpcFault(resp json.RawMessage) string {
	type coded struct {
		Metadata struct {
			Code string `json:"code"`
		} `json:"metadata"`
	}
	var r struct {
		Exception *coded `json:"forced_exception"`
		Failure   *struct {
			Exception coded `json:"exception"`
		} `json:"failure_metadata"`
	}
	if json.Unmarshal(resp, &r) != nil {
		return ""
	}
	switch {
	case r.Exception != nil:
		return r.Exception.Metadata.Code
	case r.Failure != nil:
		return r.Failure.Exception.Metadata.Code
	}
	return ""
}

// TestGRPCCinema3 explores grpc-cinema-3, the gRPC port of cinema-3, with and without
// dynamic reduction, and checks from the coordinator's trace who makes each call, which
// faults each execution injects and on which attempt of users's retry loop.
//
// The count: users calls bookings (up to twice, a failed first attempt being tried
// again) and bookings calls movies, each with a 10 s deadline. analysis.json gives a
// call to bookings 5 faults, the exceptions UNAVAILABLE and DEADLINE_EXCEEDED and the
// error codes INTERNAL, NOT_FOUND and UNAVAILABLE (bookings answers UNAVAILABLE when
// movies fails), and a call to movies 4, the error codes being INTERNAL and NOT_FOUND.
// An attempt fails with one fault on bookings or on movies, so the first attempt has 9
// ways to fail; each makes users try again, and the second attempt has the same 9:
// 1 + 9 + 9×9 = 91 executions. With reduction 45 are pruned, among them the bookings
// error UNAVAILABLE on the first attempt, whose outcome a movies fault already showed
// (bookings answering UNAVAILABLE itself): 37. These are cinema-3's counts, 91 / 37.
func TestGRPCCinema3(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	const (
		withoutReduction = 1 + 9 + 9*9
		withReduction    = 37
	)
	dir := filepath.Join("..", "examples", "grpc-cinema-3")
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Expected == nil || cfg.Expected.WithoutReduction != withoutReduction || cfg.Expected.WithReduction != withReduction {
		t.Errorf("filibuster.json expects %+v; want %d / %d", cfg.Expected, withoutReduction, withReduction)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	app, err := Prepare(ctx, BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	for _, c := range []struct {
		reduction   bool
		ran, pruned int
	}{
		{false, withoutReduction, 0},
		{true, withReduction, withoutReduction - withReduction - 9},
	} {
		t.Run(fmt.Sprintf("reduction=%t", c.reduction), func(t *testing.T) {
			var trace bytes.Buffer
			summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: c.reduction, Trace: &trace})
			if err != nil {
				t.Fatal(err)
			}
			if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 || summary.Passed != summary.ExecutionsRan {
				t.Errorf("failed %t, unreached %v, %d nondeterministic, %d of %d passed; want a pass with every fault landing",
					summary.Failed, summary.Unreached, summary.Diverged, summary.Passed, summary.ExecutionsRan)
			}
			if summary.ExecutionsRan != c.ran || summary.Pruned != c.pruned {
				t.Errorf("%d executions ran, %d pruned; want %d, %d pruned", summary.ExecutionsRan, summary.Pruned, c.ran, c.pruned)
			}
			checkGRPCCinema3(t, splitExecutions(parseTrace(t, trace.Bytes())), c.reduction)
		})
	}
}

// The calls of grpc-cinema-3: users calls bookings, and bookings calls movies once for
// chris_rivers's one booked movie.
const (
	getBookings3 = "/cinema3.Bookings/GetBookings"
	getMovie3    = "/cinema3.Movies/GetMovie"
)

// checkGRPCCinema3 checks the executions of a grpc-cinema-3 trace. Each is cut into the
// attempts of users's retry loop, an attempt being a call to bookings and the calls it
// makes: an attempt with a fault on bookings does not call movies, one without calls
// it; the first attempt is retried exactly when it injects a fault, and an attempt
// injects at most one. Each execution is then named by the faults of its attempts, and
// without reduction every pair of the 9 faults an attempt can get (or none) is
// explored once; with reduction the executions are a subset of those with every first
// attempt but the bookings error UNAVAILABLE.
func checkGRPCCinema3(t *testing.T, execs [][]exchange, reduction bool) {
	t.Helper()
	// attemptFaults are the 9 ways an attempt can fail.
	var attemptFaults []string
	for _, f := range []string{"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "error INTERNAL", "error NOT_FOUND", "error UNAVAILABLE"} {
		attemptFaults = append(attemptFaults, "bookings "+f)
	}
	for _, f := range []string{"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "error INTERNAL", "error NOT_FOUND"} {
		attemptFaults = append(attemptFaults, "movies "+f)
	}

	seen := make(map[string]int) // "first fault / second fault" -> executions
	for i, xs := range execs {
		type attempt struct {
			calls  []string
			faults []string
		}
		var attempts []attempt
		received := make(map[string]bool)
		for _, x := range xs {
			var req struct {
				Type     string         `json:"instrumentation_type"`
				Source   string         `json:"source_service_name"`
				Target   string         `json:"target_service_name"`
				Module   string         `json:"module"`
				Method   string         `json:"method"`
				File     string         `json:"callsite_file"`
				Metadata map[string]any `json:"metadata"`
			}
			if json.Unmarshal(x.Request, &req) != nil {
				continue
			}
			switch {
			case x.Path == "/filibuster/create":
				var callee string
				switch {
				case req.Method == getBookings3 && req.Source == "users" && req.File == "users/main.go":
					callee = "bookings"
					attempts = append(attempts, attempt{})
				case req.Method == getMovie3 && req.Source == "bookings" && req.File == "bookings/main.go" && len(attempts) > 0:
					callee = "movies"
				default:
					t.Errorf("execution %d: a call to %s reported as module %q from %s at %s; want users/main.go's calls to bookings and bookings/main.go's to movies",
						i+1, req.Method, req.Module, req.Source, req.File)
					continue
				}
				if req.Module != "grpc" {
					t.Errorf("execution %d: the call to %s is reported as module %q; want grpc", i+1, req.Method, req.Module)
				}
				if _, ok := req.Metadata["timeout"]; !ok {
					t.Errorf("execution %d: the call to %s is reported without its deadline", i+1, req.Method)
				}
				a := &attempts[len(attempts)-1]
				a.calls = append(a.calls, callee)
				if f := grpcFaultKind(x.Response); f != "" {
					a.faults = append(a.faults, callee+" "+f)
				}
			case req.Type == "request_received":
				received[req.Target] = true
			}
		}

		var names []string
		for j, a := range attempts {
			switch {
			case len(a.faults) > 1:
				t.Errorf("execution %d, attempt %d injects %v; want at most one fault", i+1, j+1, a.faults)
			case len(a.faults) == 1 && strings.HasPrefix(a.faults[0], "bookings "):
				if !slices.Equal(a.calls, []string{"bookings"}) {
					t.Errorf("execution %d, attempt %d faults bookings and calls %v; want bookings only", i+1, j+1, a.calls)
				}
			default:
				if !slices.Equal(a.calls, []string{"bookings", "movies"}) {
					t.Errorf("execution %d, attempt %d calls %v; want bookings then movies", i+1, j+1, a.calls)
				}
			}
			names = append(names, a.faults...)
		}
		switch {
		case len(attempts) == 1 && len(attempts[0].faults) > 0:
			t.Errorf("execution %d: the first attempt injects %v and is not retried", i+1, attempts[0].faults)
		case len(attempts) == 2 && len(attempts[0].faults) == 0:
			t.Errorf("execution %d: the first attempt injects nothing and is retried", i+1)
		case len(attempts) != 1 && len(attempts) != 2:
			t.Errorf("execution %d makes %d attempts; want 1 or 2", i+1, len(attempts))
		}
		if i == 0 {
			if len(attempts) != 1 || len(attempts[0].faults) > 0 {
				t.Errorf("execution 1 makes %d attempts, injecting %v; want one attempt, no fault", len(attempts), names)
			}
			if !received["bookings"] || !received["movies"] {
				t.Errorf("execution 1: requests reported received by %v; want bookings and movies", received)
			}
		}
		seen[strings.Join(names, " / ")]++
	}

	want := []string{""}
	for _, f := range attemptFaults {
		want = append(want, f)
		for _, g := range attemptFaults {
			want = append(want, f+" / "+g)
		}
	}
	for name, n := range seen {
		if n != 1 || !slices.Contains(want, name) {
			t.Errorf("faults %q injected in %d executions; want one of the %d pairs, once", name, n, len(want))
		}
	}
	if !reduction {
		if len(seen) != len(want) {
			t.Errorf("%d distinct executions; want all %d", len(seen), len(want))
		}
		return
	}
	for _, f := range attemptFaults {
		_, ok := seen[f]
		switch {
		case f == "bookings error UNAVAILABLE" && ok:
			t.Errorf("the first attempt's %s ran; want it pruned, a movies fault having made bookings answer UNAVAILABLE", f)
		case f != "bookings error UNAVAILABLE" && !ok:
			t.Errorf("no execution injects only %s on the first attempt", f)
		}
	}
}

// grpcFaultKind returns the fault a create answer injects, as "exception <code>" for a
// forced exception and "error <code>" for an error code, or "" when it injects nothing.
func grpcFaultKind(resp json.RawMessage) string {
	var r struct {
		Exception *json.RawMessage `json:"forced_exception"`
		Failure   *json.RawMessage `json:"failure_metadata"`
	}
	if json.Unmarshal(resp, &r) != nil {
		return ""
	}
	code := grpcFault(resp)
	switch {
	case r.Exception != nil:
		return "exception " + code
	case r.Failure != nil:
		return "error " + code
	}
	return ""
}
