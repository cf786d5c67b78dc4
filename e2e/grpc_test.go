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
