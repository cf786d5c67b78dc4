// Package coordinator is a Go implementation of the reference Filibuster server: the
// HTTP endpoints instrumented services report to (protocol.md §1), and the exploration
// loop that runs a functional test again and again, each time injecting a new
// combination of faults (protocol.md §6).
//
// What the reference transcripts pin down, beyond protocol.md:
//
//   - A call is new in an execution when it is not in the execution's replayed log
//     prefix. Only new calls that are not themselves failed schedule executions: one per
//     applicable exception, and one per applicable error response when its callee
//     reported request_received. The reference schedules as the calls arrive (and error
//     responses only while the call is the last entry of the log); we schedule once the
//     execution is over, walking its calls in a canonical order (see finish), which is
//     the same for sequential applications and keeps concurrent calls from changing the
//     exploration or losing their error faults.
//   - A scheduled execution is the log prefix up to and including that call, and the
//     current failures plus the new one, sorted by execution index. Candidates already
//     scheduled, running or run are skipped. The stack is last in, first out.
//   - After each execution, planned faults whose call did not happen, and planned
//     prefix calls that did not happen, are reported (Summary.Unreached and Diverged):
//     "passed" means every scheduled fault was injected.
//   - Dynamic reduction, before a popped execution runs: each call of the planned prefix
//     is a node whose children are the prefix calls whose origin_vclock equals its
//     vclock (the root's children have an empty origin). The execution is pruned when,
//     for every node, some earlier execution has that node (by execution index) with
//     every planned child, each with a matching outcome: the same injected exception; a
//     recorded response with the injected status, injected or real; or, for a child that
//     is not failed, the same call not failed.
//   - The summary counts executions ran (tests attempted) and pruned; total is their sum.
package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// Options configure a coordinator.
type Options struct {
	Analysis             *faultmodel.File // faults to try; nil means faultmodel.Default()
	DynamicReduction     bool
	MaxTests             int  // stop after this many executions; 0 = unbounded
	OnlyInitial          bool // run the fault-free execution only
	BreadthFirst         bool // explore oldest-scheduled first instead of depth-first
	SuppressCombinations bool // inject one fault per execution at most
	// FunctionalTest runs the functional test once and says whether it passed.
	FunctionalTest     func(ctx context.Context) (passed bool, err error)
	FunctionalTestName string    // the command, recorded in counterexamples
	Progress           io.Writer // nil = quiet
	CounterexampleFile string    // where a failing execution is written
	Replay             string    // counterexample file to replay instead of exploring
	// AllowUnreached accepts executions in which a scheduled fault never landed (the
	// call it was for did not happen again): they are still reported, but the
	// exploration does not end Incomplete because of them.
	AllowUnreached bool
	// OnProgress, when set, is called after each execution with the counts so far,
	// for a status line.
	OnProgress func(Progress)
	// Parallel is how many executions may run at once; 0 and 1 mean one at a time.
	// Each runs on a lane of its own, numbered from 0, whose endpoints are served
	// under LaneURL: the functional test must send its requests to a copy of the
	// application of its own, whose services were started with FILIBUSTER_URL set to
	// the lane's URL (ExecutionFrom(ctx).Lane says which). Explore runs ahead
	// speculatively on executions the sequential order will reach and accepts each
	// result when its turn comes, so the executions, their order and the counts are
	// those of the sequential exploration (see parallel.go).
	Parallel int
	// Workers says that the lanes are run by worker processes that register with the
	// coordinator and lease executions over HTTP (see workers.go), instead of by
	// FunctionalTest: a lane is used once a worker registered for it.
	Workers bool
	// WorkerTimeout bounds the wait for a worker to lease an execution and report it;
	// 0 means 10 minutes.
	WorkerTimeout time.Duration
}

// Summary is the outcome of an exploration.
type Summary struct {
	ExecutionsRan, Pruned, TestsAttempted, Total int
	// Passed counts the executions whose functional test passed with every scheduled
	// fault injected. An execution with a fault that never landed is not among them.
	Passed int
	// Unreached lists, for each execution in which a scheduled fault never landed, the
	// execution's number and the faults; Diverged counts the executions whose calls
	// differed from the ones they were scheduled from (the application is
	// nondeterministic).
	Unreached []Unreached
	Diverged  int
	Failed    bool
	// Incomplete is set when faults never landed and Options.AllowUnreached is off:
	// the exploration did not test what it scheduled.
	Incomplete bool
	// CallSites maps the call site ("file:line", as the instrumentation reports it) of
	// every call seen to the number of calls made from it, over all executions.
	CallSites                              map[string]int
	Elapsed, GenerationTime, ReductionTime time.Duration
	// Lanes is the number of executions that could run at once (Options.Parallel);
	// RanAhead counts the runs started before their turn in the sequential order, and
	// Discarded those of them whose result was thrown away (dynamic reduction pruned
	// the execution when its turn came, or the exploration stopped first): the
	// speculative work wasted.
	Lanes, RanAhead, Discarded int
	// Report is the exploration's report (see Report), set when Explore returns.
	Report *Report
}

// Unreached says which scheduled faults of an execution never landed.
type Unreached struct {
	Execution int      // 1-based, in the order the executions ran
	Faults    []string // each as the progress line describes it
}

// Coordinator serves the coordinator endpoints and explores executions. It is an
// http.Handler.
type Coordinator struct {
	opts Options

	mu        sync.Mutex
	reduction reductionIndex // the executions of done, for dynamic reduction
	lanes     []*execution   // the execution running on each lane (the last one run)
	free      chan int       // the lanes ready for an execution
	workers   *workers       // with Options.Workers
	runs      int            // runs started, speculative ones included
	scheduled []*plan
	seen      map[string]bool
	done      []*execution
	targets   map[string]string // execution index -> callee service, from request_received
	genTime   time.Duration
	sites     map[string]int // "file:line" of each call site seen -> calls made from it, in done
	report    reportLog      // what Report needs (report.go)
}

// failure is a fault planned for one call, as the reference records it.
type failure struct {
	Args            json.RawMessage `json:"args,omitempty"`
	ExecutionIndex  string          `json:"execution_index"`
	ForcedException map[string]any  `json:"forced_exception,omitempty"`
	FailureMetadata map[string]any  `json:"failure_metadata,omitempty"`

	method string // the call's method, for describe (not part of the reference format)
}

// entry is one call of an execution's log: the create payload, updated by the
// request_received and invocation_complete reports.
type entry struct {
	fields  map[string]any
	ei      string
	vclock  string // canonical JSON
	origin  string
	failed  *failure
	target  string
	status  string // recorded response status
	code    string // recorded gRPC status code ("NOT_FOUND"), see statusCode
	excName string // recorded exception name
	// received says the callee reported request_received; onGoroutine that the caller
	// made the call on a goroutine its handler started (the runtime's on_goroutine).
	received, onGoroutine bool
}

// plan is an execution to run: the log prefix to replay and the faults to inject.
type plan struct {
	prefix   []*entry
	failures []*failure // sorted by execution index
}

// key identifies p among the plans scheduled: its prefix's execution indexes and its
// faults. A fault's arguments are left out: they are a function of its execution
// index, but for the ports of the copy of the application that made the call, which
// differ between the lanes of a parallel exploration.
func (p *plan) key() string {
	var b strings.Builder
	for _, e := range p.prefix {
		b.WriteString(e.ei)
		b.WriteByte('|')
	}
	b.WriteString("#")
	for _, f := range p.failures {
		data, _ := json.Marshal(failure{ExecutionIndex: f.ExecutionIndex, ForcedException: f.ForcedException, FailureMetadata: f.FailureMetadata})
		b.Write(data)
	}
	return b.String()
}

func (p *plan) failureFor(ei string) *failure {
	for _, f := range p.failures {
		if f.ExecutionIndex == ei {
			return f
		}
	}
	return nil
}

// execution is one run of the functional test.
type execution struct {
	plan     *plan
	log      []*entry        // in the order the calls were created; in canonical order once finished
	services map[string]bool // services that asked new-test-execution
	reached  map[string]bool // execution indexes of the planned faults that were injected
	output   string          // the functional test's output, when it was kept (SetOutput)
	// id names the execution to the runtimes that speak the execution extension
	// (protocol.md, "Extensions our coordinator advertises"): the number of runs
	// started when it started, unique among the lanes.
	id int
}

func newExecution(p *plan) *execution {
	return &execution{plan: p, services: make(map[string]bool), reached: make(map[string]bool)}
}

// New returns a coordinator.
func New(opts Options) *Coordinator {
	if opts.Analysis == nil {
		opts.Analysis = faultmodel.Default()
	}
	c := &Coordinator{opts: opts, seen: make(map[string]bool), targets: make(map[string]string), sites: make(map[string]int)}
	c.lanes = make([]*execution, max(1, opts.Parallel))
	c.free = make(chan int, len(c.lanes))
	for i := range c.lanes {
		c.lanes[i] = newExecution(&plan{})
		if !opts.Workers {
			c.free <- i
		}
	}
	if opts.Workers {
		c.workers = newWorkers(len(c.lanes))
	}
	return c
}

// CommandTest returns a functional test that runs a shell command, with env added to
// the environment and its output sent to out (nil discards it); exit status 0 means the
// test passed. GOFLAGS gets -count=1, so that a `go test` in the command runs its tests
// every time instead of printing a cached result.
func CommandTest(shellCmd string, env []string, out io.Writer) func(context.Context) (bool, error) {
	if out == nil {
		out = io.Discard
	}
	return func(ctx context.Context) (bool, error) {
		cmd := exec.CommandContext(ctx, "sh", "-c", shellCmd)
		cmd.Env = append(append(os.Environ(), env...), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -count=1"))
		var kept limitedBuffer
		cmd.Stdout = io.MultiWriter(out, &kept)
		cmd.Stderr = cmd.Stdout
		err := cmd.Run()
		if x := ExecutionFrom(ctx); x != nil {
			x.SetOutput(kept.String())
		}
		if _, ok := err.(*exec.ExitError); ok {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("running functional test: %w", err)
		}
		return true, nil
	}
}

// ServeHTTP answers the coordinator endpoints (protocol.md §1).
// Lane n's endpoints are also served under /lanes/n (see LaneURL); lane 0's are
// the plain ones.
func (c *Coordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lane, path, ok := c.lane(r.URL.Path)
	if !ok {
		http.Error(w, `{"error": "no such lane"}`, http.StatusNotFound)
		return
	}
	var (
		answer any
		err    error
	)
	switch {
	case r.Method == http.MethodGet && path == "/health-check":
		answer = map[string]string{"status": "OK"}
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/filibuster/new-test-execution/"):
		answer = c.newTestExecution(lane, strings.TrimPrefix(path, "/filibuster/new-test-execution/"), r.Header.Get(headerExtensions))
	case r.Method == http.MethodPut && path == "/filibuster/create":
		answer, err = c.create(lane, r.Body)
	case r.Method == http.MethodPost && path == "/filibuster/update":
		answer, err = c.update(lane, r.Body)
	case r.Method == http.MethodPost && path == "/filibuster/updates":
		answer, err = c.updates(lane, r.Body)
	case r.Method == http.MethodGet && path == "/filibuster/fault-injected":
		answer = map[string]bool{"result": c.faultInjected(lane, "")}
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/filibuster/fault-injected/"):
		answer = map[string]bool{"result": c.faultInjected(lane, strings.TrimPrefix(path, "/filibuster/fault-injected/"))}
	case c.workers != nil && r.Method == http.MethodPost && path == "/filibuster/workers":
		var status int
		if answer, status = c.register(); status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(answer)
			return
		}
	case c.workers != nil && r.Method == http.MethodGet && path == "/filibuster/lease":
		var over bool
		if answer, over = c.lease(r.Context(), lane); over {
			defer c.told(lane, w) // once the answer is on its way
		}
	case c.workers != nil && r.Method == http.MethodPost && path == "/filibuster/result":
		answer, err = c.result(lane, r)
	case c.workers != nil && r.Method == http.MethodPost && path == "/filibuster/leave":
		answer, err = c.leave(lane, r)
	default:
		http.Error(w, `{"error": "not found"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(answer)
}

// LaneURL returns the base URL of lane n's endpoints on a coordinator served at
// base: base itself for lane 0, base/lanes/n for the others.
func LaneURL(base string, n int) string {
	if n == 0 {
		return base
	}
	return base + "/lanes/" + strconv.Itoa(n)
}

// lane splits path into its lane and the endpoint's path; ok is false for a lane
// that does not exist.
func (c *Coordinator) lane(path string) (lane int, rest string, ok bool) {
	tail, found := strings.CutPrefix(path, "/lanes/")
	if !found {
		return 0, path, true
	}
	num, rest, _ := strings.Cut(tail, "/")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n >= len(c.lanes) {
		return 0, "", false
	}
	return n, "/" + rest, true
}

// Headers of the extensions the coordinator advertises (protocol.md, "Extensions our
// coordinator advertises").
const (
	// headerExtensions, on new-test-execution, asks for the execution's id in the
	// answer when it holds extensionExecution.
	headerExtensions   = "X-Filibuster-Extensions"
	extensionExecution = "execution"
)

// newTestExecutionAnswer is the answer to new-test-execution. Execution, the id of the
// lane's execution, is sent only to a runtime that asks for it (headerExtensions), so
// that the answer to every other one is the reference's.
type newTestExecutionAnswer struct {
	New       bool `json:"new-test-execution"`
	Execution *int `json:"execution,omitempty"`
}

// newTestExecution answers whether service asks for the first time in the lane's
// execution. extensions is the request's headerExtensions.
func (c *Coordinator) newTestExecution(lane int, service, extensions string) newTestExecutionAnswer {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.lanes[lane]
	answer := newTestExecutionAnswer{New: !cur.services[service]}
	cur.services[service] = true
	if hasToken(extensions, extensionExecution) {
		id := cur.id
		answer.Execution = &id
	}
	return answer
}

// hasToken reports whether the comma-separated list of tokens list holds token.
func hasToken(list, token string) bool {
	for list != "" {
		var t string
		t, list, _ = strings.Cut(list, ",")
		if strings.TrimSpace(t) == token {
			return true
		}
	}
	return false
}

// decode reads a JSON object, keeping numbers exact.
func decode(body io.Reader) (map[string]any, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("malformed JSON payload: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("payload is not a JSON object")
	}
	return m, nil
}

func stringField(m map[string]any, key string) (string, error) {
	s, ok := m[key].(string)
	if !ok {
		return "", fmt.Errorf("payload field %q: missing or not a string", key)
	}
	return s, nil
}

// canonical encodes a JSON value with sorted keys, for comparisons.
func canonical(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

func (c *Coordinator) create(lane int, body io.Reader) (any, error) {
	m, err := decode(body)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"execution_index", "module", "method", "source_service_name"} {
		if _, err := stringField(m, k); err != nil {
			return nil, err
		}
	}
	execution, err := executionField(m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.lanes[lane]
	if execution != nil && *execution != cur.id {
		// The clocks the call was reported with belong to an execution that is over:
		// the runtime forgets them, as a new test execution makes it, and reports the
		// call again. It has then asked, in effect, new-test-execution.
		cur.services[m["source_service_name"].(string)] = true
		id := cur.id
		return newTestExecutionAnswer{New: true, Execution: &id}, nil
	}
	id := len(cur.log)
	e := &entry{fields: m, ei: m["execution_index"].(string), vclock: canonical(m["vclock"]), origin: canonical(orEmpty(m["origin_vclock"]))}
	e.onGoroutine, _ = m["on_goroutine"].(bool)
	m["generated_id"] = id
	cur.log = append(cur.log, e)
	answer := &createAnswer{GeneratedID: id, ExecutionIndex: e.ei}
	if f := cur.plan.failureFor(e.ei); f != nil {
		e.failed = f
		cur.reached[e.ei] = true
		answer.Args = argsOf(m)
		if f.ForcedException != nil {
			answer.ForcedException = f.ForcedException
		} else {
			answer.FailureMetadata = f.FailureMetadata
		}
	}
	return answer, nil
}

// executionField takes the execution extension's "execution" out of payload m (it is
// neither part of the call nor of the reference's log) and returns it, or nil when m
// has none.
func executionField(m map[string]any) (*int, error) {
	v, ok := m["execution"]
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(fmt.Sprint(v))
	if _, isNumber := v.(json.Number); !isNumber || err != nil {
		return nil, fmt.Errorf("payload field \"execution\": %v is not an integer", v)
	}
	delete(m, "execution")
	return &n, nil
}

// createAnswer is the answer to a create that is recorded (protocol.md §1): the
// call's id and execution index, and the fault planned for it, if any, with its
// arguments. The faults are interfaces so that a fault is sent as it was planned,
// even empty, and left out only when there is none.
type createAnswer struct {
	GeneratedID     int             `json:"generated_id"`
	ExecutionIndex  string          `json:"execution_index"`
	Args            json.RawMessage `json:"args,omitempty"`
	ForcedException any             `json:"forced_exception,omitempty"`
	FailureMetadata any             `json:"failure_metadata,omitempty"`
}

func orEmpty(v any) any {
	if v == nil {
		return map[string]any{}
	}
	return v
}

func argsOf(m map[string]any) json.RawMessage {
	data, _ := json.Marshal(m["args"])
	return data
}

// expandMetadata replaces @expr(metadata['timeout']) and its -1 and +1 forms with the
// call's timeout.
func expandMetadata(md map[string]any, call map[string]any) map[string]any {
	out := make(map[string]any, len(md))
	for k, v := range md {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, "@expr(metadata['timeout']") {
			out[k] = v
			continue
		}
		t, err := strconv.ParseFloat(fmt.Sprint(call["timeout"]), 64)
		if err != nil {
			out[k] = v
			continue
		}
		switch strings.TrimPrefix(s, "@expr(metadata['timeout']") {
		case ")":
		case "-1)":
			t--
		case "+1)":
			t++
		default:
			out[k] = v
			continue
		}
		out[k] = t
	}
	return out
}

// faultsFor returns the faults the analysis applies to call e, one execution each: every
// exception of every rule matching the call (those with a restriction only when the call
// carries that metadata field), then, when target is not "" (the callee reported the
// request), every error type of those rules' error rules matching target.
func (c *Coordinator) faultsFor(e *entry, target string) []*failure {
	module, _ := e.fields["module"].(string)
	method, _ := e.fields["method"].(string)
	metadata, _ := e.fields["metadata"].(map[string]any)
	var exceptions, errs []*failure
	for i := range c.opts.Analysis.Rules {
		rule := &c.opts.Analysis.Rules[i].Rule
		if !rule.MatchCall(module, method) {
			continue
		}
		for _, ex := range rule.Exceptions {
			if ex.Restrictions != "" {
				if _, ok := metadata[ex.Restrictions]; !ok {
					continue
				}
			}
			fe := map[string]any{"name": ex.Name, "metadata": expandMetadata(ex.Metadata, metadata)}
			exceptions = append(exceptions, &failure{Args: argsOf(e.fields), ExecutionIndex: e.ei, ForcedException: fe, method: method})
		}
		if target == "" {
			continue
		}
		for j := range rule.Errors {
			er := &rule.Errors[j]
			if !er.MatchService(target) {
				continue
			}
			for _, t := range er.Types {
				var md map[string]any
				json.Unmarshal(t, &md)
				errs = append(errs, &failure{Args: argsOf(e.fields), ExecutionIndex: e.ei, FailureMetadata: md, method: method})
			}
		}
	}
	return append(exceptions, errs...)
}

// schedule pushes the execution that replays prefix and adds f to cur's failures,
// unless it was seen before.
func (c *Coordinator) schedule(cur *execution, prefix []*entry, f *failure) {
	if c.opts.SuppressCombinations && len(cur.plan.failures) > 0 {
		return
	}
	p := &plan{prefix: append([]*entry(nil), prefix...)}
	p.failures = append(append(p.failures, cur.plan.failures...), f)
	sort.SliceStable(p.failures, func(i, j int) bool { return p.failures[i].ExecutionIndex < p.failures[j].ExecutionIndex })
	k := p.key()
	if c.seen[k] {
		return
	}
	c.seen[k] = true
	c.scheduled = append(c.scheduled, p)
}

func (c *Coordinator) update(lane int, body io.Reader) (any, error) {
	m, err := decode(body)
	if err != nil {
		return nil, err
	}
	return c.merge(lane, m)
}

// updates merges each report of a JSON array as update does, in order (protocol.md,
// "Reports travel with the responses"). A report that cannot be merged is left out
// and named in the error; the others are merged all the same.
func (c *Coordinator) updates(lane int, body io.Reader) (any, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var reports []map[string]any
	if err := dec.Decode(&reports); err != nil {
		return nil, fmt.Errorf("malformed JSON payload: %w", err)
	}
	var errs []error
	for i, m := range reports {
		if m == nil {
			errs = append(errs, fmt.Errorf("report %d: not a JSON object", i))
			continue
		}
		if _, err := c.merge(lane, m); err != nil {
			errs = append(errs, fmt.Errorf("report %d: %w", i, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// merge merges report m, a request_received or invocation_complete, into the log
// entry it names.
func (c *Coordinator) merge(lane int, m map[string]any) (any, error) {
	var id int
	switch v := m["generated_id"].(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		if err != nil {
			return nil, fmt.Errorf("payload field \"generated_id\": %q is not an integer", v)
		}
		id = n
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("payload field \"generated_id\": %q is not an integer", v)
		}
		id = n
	default:
		return nil, fmt.Errorf("payload field \"generated_id\": missing or not a number")
	}
	kind, err := stringField(m, "instrumentation_type")
	if err != nil {
		return nil, err
	}
	execution, err := executionField(m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.lanes[lane]
	if execution != nil && *execution != cur.id {
		// A report of a call of an execution that is over, arriving late (its caller
		// gave up on it, or it outlived its request): its generated_id names a call
		// of that execution, not of this one.
		return map[string]any{}, nil
	}
	if id < 0 || id >= len(cur.log) {
		return nil, fmt.Errorf("unknown generated_id %d (this execution has %d calls)", id, len(cur.log))
	}
	e := cur.log[id]
	for k, v := range m {
		if v != nil && k != "generated_id" {
			e.fields[k] = v
		}
	}
	switch kind {
	case "request_received":
		e.target, _ = m["target_service_name"].(string)
		e.received = true
	case "invocation_complete":
		if rv, ok := m["return_value"].(map[string]any); ok {
			e.status = fmt.Sprint(rv["status_code"])
		}
		if ex, ok := m["exception"].(map[string]any); ok {
			e.excName = fmt.Sprint(ex["name"])
			if md, ok := ex["metadata"].(map[string]any); ok && md["code"] != nil {
				e.code = statusCode(md["code"])
			}
		}
	}
	return struct{}{}, nil
}

func (c *Coordinator) faultInjected(lane int, service string) bool {
	c.mu.Lock()
	p := c.lanes[lane].plan
	c.mu.Unlock()
	return c.faultInjectedIn(p, service)
}

// faultInjectedIn reports whether p plans a fault on a call to service ("" for any).
func (c *Coordinator) faultInjectedIn(p *plan, service string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range p.failures {
		if service == "" || c.targets[f.ExecutionIndex] == service {
			return true
		}
	}
	return false
}
