package e2e

import (
	"bufio"
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

// The calls of grpc-gateway: the gateway calls users, orders and recommendations, and
// orders calls catalog.
const (
	getUser    = "/shop.Users/GetUser"
	listOrders = "/shop.Orders/ListOrders"
	getItems   = "/shop.Catalog/GetItems"
	recommend  = "/shop.Recommendations/Recommend"
)

// TestGRPCGateway explores grpc-gateway, an HTTP gateway in front of gRPC services
// health-checked with "tcp:", with and without dynamic reduction, and checks from the
// coordinator's trace the calls of each execution and the faults it injects.
//
// The count (examples/grpc-gateway/README.md): the static analysis gives each call
// UNAVAILABLE and DEADLINE_EXCEEDED (every call has a deadline) and its callee's codes:
// users NOT_FOUND, orders NOT_FOUND, UNAVAILABLE and INTERNAL, catalog NOT_FOUND,
// recommendations NOT_FOUND. A fault on users, orders or catalog ends the request and
// recommendations is the last call, so no combination is scheduled: 1 + 3 + 5 + 3 + 3 =
// 15. With dynamic reduction, the catalog's faults run before orders's and make orders
// fail with INTERNAL and UNAVAILABLE, so orders's INTERNAL and UNAVAILABLE code faults
// are pruned: 13.
func TestGRPCGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	const want, wantReduced = 1 + 3 + 5 + 3 + 3, 1 + 3 + 5 + 3 + 3 - 2
	dir := filepath.Join("..", "examples", "grpc-gateway")
	app := prepareGRPCExample(t, dir, want, wantReduced)

	for _, reduction := range []bool{false, true} {
		t.Run(fmt.Sprintf("reduction=%t", reduction), func(t *testing.T) {
			n := want
			if reduction {
				n = wantReduced
			}
			trace, _ := exploreGRPCExample(t, app, reduction, n, want-n)
			checkGRPCGateway(t, splitExecutionsAt(parseTrace(t, trace), "gateway"), reduction)
		})
	}
}

// checkGRPCGateway checks the executions of a grpc-gateway trace: the first makes the
// four calls without a fault, each from its caller's stub calls; every other one injects
// one fault and makes the calls up to the faulted one; and together they inject each
// fault once, but for the two that dynamic reduction prunes.
func checkGRPCGateway(t *testing.T, execs [][]exchange, reduction bool) {
	t.Helper()
	all := []string{getUser, listOrders, getItems, recommend}
	source := map[string]string{getUser: "gateway", listOrders: "gateway", getItems: "orders", recommend: "gateway"}
	seen := make(map[string]int) // "method fault" -> executions injecting it
	for i, calls := range callsOf(t, execs) {
		var methods []string
		var faulted []grpcCall
		for _, c := range calls {
			methods = append(methods, c.method)
			if c.source != source[c.method] || c.file != c.source+"/main.go" {
				t.Errorf("execution %d: %s called by %s at %s; want %s/main.go", i+1, c.method, c.source, c.file, source[c.method])
			}
			if !c.deadline {
				t.Errorf("execution %d: the call to %s is reported without its deadline", i+1, c.method)
			}
			if c.fault != "" {
				faulted = append(faulted, c)
				seen[c.method+" "+c.fault]++
			}
		}
		if i == 0 {
			if !slices.Equal(methods, all) || len(faulted) > 0 {
				t.Errorf("execution 1 calls %v, faults %v; want %v, no fault", methods, faulted, all)
			}
			for _, c := range calls {
				if !c.received {
					t.Errorf("execution 1: the callee of %s did not report the request", c.method)
				}
			}
			continue
		}
		if len(faulted) != 1 {
			t.Errorf("execution %d faults %v; want one call", i+1, faulted)
			continue
		}
		// The request stops at the faulted call, but for the recommendations fallback,
		// which is the last call anyway.
		if k := slices.Index(all, faulted[0].method); !slices.Equal(methods, all[:k+1]) {
			t.Errorf("execution %d faults %s and calls %v; want %v", i+1, faulted[0].method, methods, all[:k+1])
		}
	}
	faults := map[string][]string{
		getUser:    {"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "status NOT_FOUND"},
		listOrders: {"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "status NOT_FOUND", "status UNAVAILABLE", "status INTERNAL"},
		getItems:   {"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "status NOT_FOUND"},
		recommend:  {"exception UNAVAILABLE", "exception DEADLINE_EXCEEDED", "status NOT_FOUND"},
	}
	pruned := map[string]bool{listOrders + " status UNAVAILABLE": true, listOrders + " status INTERNAL": true}
	for _, m := range all {
		for _, f := range faults[m] {
			want := 1
			if reduction && pruned[m+" "+f] {
				want = 0
			}
			if n := seen[m+" "+f]; n != want {
				t.Errorf("%s %s injected in %d executions; want %d", m, f, n, want)
			}
		}
	}
}

// The calls of grpc-stream: the trader's server stream from the feed and client stream
// to the ledger.
const (
	watch  = "/stocks.Feed/Watch"
	record = "/stocks.Ledger/Record"
)

// TestGRPCStream explores grpc-stream, whose trader reads prices from a server stream
// and records trades on a client stream, and checks that each stream fault does what
// docs/grpc.md §4 says: one before the stream opens never reaches the callee, one
// "after_received": 1 lets exactly one quote through and one "after_sent": 1 opens the
// stream; and that the trader's answer, as the functional test prints it, is the one
// the execution's faults call for.
//
// The count (examples/grpc-stream/README.md): each stream gets UNAVAILABLE before it
// opens and after one message. Fault-free 1, the ledger's 2, and for each of the first
// Watch stream's 2 faults, 1 execution and 4 combining it with a fault on the retried
// Watch stream or on the ledger: 1 + 2 + 5 + 5 = 13. Every fault is an exception no
// earlier execution injected with the same other outcomes, so reduction prunes none.
func TestGRPCStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	const want = 1 + 2 + 5 + 5
	dir := filepath.Join("..", "examples", "grpc-stream")
	app := prepareGRPCExample(t, dir, want, want)

	for _, reduction := range []bool{false, true} {
		t.Run(fmt.Sprintf("reduction=%t", reduction), func(t *testing.T) {
			trace, progress := exploreGRPCExample(t, app, reduction, want, 0)
			var answers []string
			sc := bufio.NewScanner(bytes.NewReader(progress))
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "rebalance: ") {
					answers = append(answers, sc.Text())
				}
			}
			checkGRPCStream(t, callsOf(t, splitExecutionsAt(parseTrace(t, trace), "trader")), answers)
		})
	}
}

// checkGRPCStream checks each execution of grpc-stream against a model of the trader:
// the Watch streams and the Record stream it opens, which of them reach their callee,
// and the answer the functional test printed; and that the 13 executions are 13
// different sets of faults.
func checkGRPCStream(t *testing.T, execs [][]grpcCall, answers []string) {
	t.Helper()
	if len(answers) != len(execs) {
		t.Fatalf("the functional test printed %d answers for %d executions", len(answers), len(execs))
	}
	plans := make(map[string]bool)
	for i, calls := range execs {
		var watches []grpcCall
		var records []grpcCall
		var plan []string
		for _, c := range calls {
			switch c.method {
			case watch:
				watches = append(watches, c)
			case record:
				records = append(records, c)
			default:
				t.Errorf("execution %d: a call to %s", i+1, c.method)
			}
			if c.source != "trader" || !c.deadline {
				t.Errorf("execution %d: %s called by %s (deadline %t); want the trader's, with its deadline", i+1, c.method, c.source, c.deadline)
			}
			if c.fault != "" {
				plan = append(plan, fmt.Sprintf("%s#%d %s", c.method, len(watches)+len(records), c.fault))
			}
			// A fault before the stream opens sends nothing; one after a message
			// opens it, as does no fault.
			if wantReceived := c.fault != "exception UNAVAILABLE"; c.received != wantReceived {
				t.Errorf("execution %d: %s with fault %q reported received by its callee: %t, want %t",
					i+1, c.method, c.fault, c.received, wantReceived)
			}
		}
		key := strings.Join(plan, "; ")
		if plans[key] {
			t.Errorf("execution %d repeats the faults %q", i+1, key)
		}
		plans[key] = true

		// The model: each Watch stream gives the prices still missing, none with a
		// fault before it opens and one with a fault after one message; both faults
		// are UNAVAILABLE, retried once. The ledger is called with all 3 prices.
		prices, streams := 0, 0
		for streams < 2 {
			streams++
			if streams > len(watches) {
				break
			}
			fault := watches[streams-1].fault
			if fault == "" {
				prices = 3
				break
			}
			if fault == "exception UNAVAILABLE after_received 1" {
				prices++
			}
		}
		var want string
		wantRecords := 0
		switch {
		case prices < 3:
			want = fmt.Sprintf("rebalance: %d prices, complete false, %d Watch streams, 0 trades", prices, streams)
		case len(records) == 1 && records[0].fault != "":
			want, wantRecords = "rebalance: error Unavailable", 1
		default:
			want, wantRecords = fmt.Sprintf("rebalance: 3 prices, complete true, %d Watch streams, 3 trades", streams), 1
		}
		if len(watches) != streams || len(records) != wantRecords {
			t.Errorf("execution %d (faults %q): %d Watch and %d Record streams; want %d and %d", i+1, key, len(watches), len(records), streams, wantRecords)
		}
		if answers[i] != want {
			t.Errorf("execution %d (faults %q): the functional test printed %q; want %q", i+1, key, answers[i], want)
		}
	}
	for _, f := range []string{
		watch + "#1 exception UNAVAILABLE", watch + "#1 exception UNAVAILABLE after_received 1",
		record + "#2 exception UNAVAILABLE", record + "#2 exception UNAVAILABLE after_sent 1",
		watch + "#1 exception UNAVAILABLE after_received 1; " + watch + "#2 exception UNAVAILABLE after_received 1",
		watch + "#1 exception UNAVAILABLE; " + record + "#3 exception UNAVAILABLE after_sent 1",
	} {
		if !plans[f] {
			t.Errorf("no execution injects %q", f)
		}
	}
}

// prepareGRPCExample checks that dir's filibuster.json expects the counts the test works
// out, want without reduction and wantReduced with it, and builds the application.
func prepareGRPCExample(t *testing.T, dir string, want, wantReduced int) *App {
	t.Helper()
	cfg, err := deploy.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Expected == nil || cfg.Expected.WithoutReduction != want || cfg.Expected.WithReduction != wantReduced {
		t.Errorf("filibuster.json expects %+v; the calls and the analysis give %d / %d", cfg.Expected, want, wantReduced)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	app, err := Prepare(ctx, BuildOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return app
}

// exploreGRPCExample explores app and checks that it passes with every fault landing,
// n executions ran and pruned were pruned. It returns the trace and the progress output.
func exploreGRPCExample(t *testing.T, app *App, reduction bool, n, pruned int) (trace, progress []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var tr, pr bytes.Buffer
	summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: reduction, Trace: &tr, Progress: &pr})
	if err != nil {
		t.Fatalf("%v\n%s", err, pr.Bytes())
	}
	if summary.Failed || len(summary.Unreached) > 0 || summary.Diverged > 0 || summary.Passed != summary.ExecutionsRan {
		t.Errorf("failed %t, unreached %v, %d nondeterministic, %d of %d passed; want a pass with every fault landing\n%s",
			summary.Failed, summary.Unreached, summary.Diverged, summary.Passed, summary.ExecutionsRan, pr.Bytes())
	}
	if summary.ExecutionsRan != n || summary.Pruned != pruned {
		t.Errorf("%d executions ran, %d pruned; want %d, %d pruned", summary.ExecutionsRan, summary.Pruned, n, pruned)
	}
	return tr.Bytes(), pr.Bytes()
}

// splitExecutionsAt splits a trace into its test executions, each starting where
// service, the one that makes an execution's first call, is told a new one began.
func splitExecutionsAt(xs []exchange, service string) [][]exchange {
	var execs [][]exchange
	for _, x := range xs {
		if x.Path == "/filibuster/new-test-execution/"+service && strings.Contains(string(x.Response), "true") {
			execs = append(execs, nil)
		}
		if len(execs) > 0 {
			execs[len(execs)-1] = append(execs[len(execs)-1], x)
		}
	}
	return execs
}

// grpcCall is one call of an execution, as the trace shows it.
type grpcCall struct {
	method, source, file string
	deadline             bool   // reported with a timeout
	fault                string // what its create answer injects, see grpcFaultOf; "" for nothing
	received             bool   // its callee reported the request
}

// callsOf returns each execution's calls in the order they were created, with whether
// each one's callee reported receiving it (matched by generated id).
func callsOf(t *testing.T, execs [][]exchange) [][]grpcCall {
	t.Helper()
	var out [][]grpcCall
	for _, xs := range execs {
		var calls []grpcCall
		byID := make(map[string]int) // generated id -> index in calls
		for _, x := range xs {
			var req struct {
				Type        string         `json:"instrumentation_type"`
				Source      string         `json:"source_service_name"`
				Method      string         `json:"method"`
				File        string         `json:"callsite_file"`
				Metadata    map[string]any `json:"metadata"`
				GeneratedID any            `json:"generated_id"`
			}
			if json.Unmarshal(x.Request, &req) != nil {
				continue
			}
			switch {
			case x.Path == "/filibuster/create":
				var resp struct {
					GeneratedID any `json:"generated_id"`
				}
				if err := json.Unmarshal(x.Response, &resp); err != nil {
					t.Fatalf("create answer %s: %v", x.Response, err)
				}
				_, deadline := req.Metadata["timeout"]
				byID[fmt.Sprint(resp.GeneratedID)] = len(calls)
				calls = append(calls, grpcCall{method: req.Method, source: req.Source, file: req.File, deadline: deadline, fault: grpcFaultOf(x.Response)})
			case req.Type == "request_received":
				if k, ok := byID[fmt.Sprint(req.GeneratedID)]; ok {
					calls[k].received = true
				} else {
					t.Errorf("request_received for generated id %v, which no create of its execution has", req.GeneratedID)
				}
			}
		}
		out = append(out, calls)
	}
	return out
}

// grpcFaultOf describes what a create answer injects: "exception CODE" for a forced
// exception, "status CODE" for an error code, followed by " after_received N" or
// " after_sent N" for a stream fault after N messages; "" for nothing.
func grpcFaultOf(resp json.RawMessage) string {
	type coded struct {
		Metadata map[string]any `json:"metadata"`
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
	var kind string
	var md map[string]any
	switch {
	case r.Exception != nil:
		kind, md = "exception", r.Exception.Metadata
	case r.Failure != nil:
		kind, md = "status", r.Failure.Exception.Metadata
	default:
		return ""
	}
	s := fmt.Sprintf("%s %v", kind, md["code"])
	for _, k := range []string{"after_received", "after_sent"} {
		if v, ok := md[k]; ok {
			s += fmt.Sprintf(" %s %v", k, v)
		}
	}
	return s
}
