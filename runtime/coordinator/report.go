package coordinator

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
)

// ReportFormat is the version of the Report's JSON form; docs/report.md describes it.
const ReportFormat = 1

// maxOutput is how much of a functional test's output an execution's report keeps.
const maxOutput = 16 << 10

// A Report says what an exploration did: its settings and summary, every execution
// that ran (its faults, whether each landed, and every call in canonical order), the
// executions dynamic reduction pruned, and, for every call site seen, the faults
// injected on it and those the analysis names that never were. Its JSON form is
// documented in docs/report.md.
//
// An execution is "passed" only when its functional test passed with every planned
// fault injected; one whose faults did not all land is "not tested", whatever its
// test said.
type Report struct {
	Format     int               `json:"format"`
	Settings   ReportSettings    `json:"settings"`
	Summary    ReportSummary     `json:"summary"`
	Executions []ExecutionReport `json:"executions"`
	// Pruned are the executions dynamic reduction skipped, in the order it did.
	Pruned []PrunedExecution `json:"pruned"`
	// Sites are the call sites ("file:line", as the instrumentation reports them) of
	// every call seen, sorted.
	Sites []SiteReport `json:"sites"`
}

// ReportSettings are the options the exploration ran with.
type ReportSettings struct {
	DynamicReduction     bool             `json:"dynamic_reduction"`
	MaxTests             int              `json:"max_tests,omitempty"`
	OnlyInitial          bool             `json:"only_initial,omitempty"`
	BreadthFirst         bool             `json:"breadth_first,omitempty"`
	SuppressCombinations bool             `json:"suppress_combinations,omitempty"`
	AllowUnreached       bool             `json:"allow_unreached,omitempty"`
	FunctionalTest       string           `json:"functional_test,omitempty"`
	CounterexampleFile   string           `json:"counterexample_file,omitempty"`
	Replay               string           `json:"replay,omitempty"`
	Analysis             *faultmodel.File `json:"analysis,omitempty"`
}

// ReportSummary counts the executions by outcome.
type ReportSummary struct {
	// Result is "passed" (every execution passed with every planned fault injected),
	// "failed" (an execution's functional test failed), "incomplete" (faults never
	// landed, and that was not allowed), "passed, unreached allowed", "nothing
	// tested" (the fault-free execution made no instrumented call), or "running" while
	// Explore has not returned.
	Result    string `json:"result"`
	Ran       int    `json:"ran"`
	Passed    int    `json:"passed"`
	Failed    int    `json:"failed"`
	NotTested int    `json:"not_tested"`
	Pruned    int    `json:"pruned"`
	Diverged  int    `json:"diverged"`
	// NotRun counts the executions still scheduled when the exploration stopped (after
	// a failure or a bound): they were neither run nor pruned.
	NotRun int `json:"not_run"`
	// Unlanded counts the planned faults, over all executions, that never landed.
	Unlanded       int     `json:"unlanded"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

// ExecutionReport is one execution that ran.
type ExecutionReport struct {
	Number int `json:"number"`
	// Result is "passed", "failed" or "not tested" (a planned fault never landed, or
	// the execution made no instrumented call).
	Result string        `json:"result"`
	Faults []FaultReport `json:"faults"`
	Calls  []CallReport  `json:"calls"`
	// Diverged names the first call of the prefix the execution was scheduled from that
	// did not happen (the application is nondeterministic); "" when none.
	Diverged string `json:"diverged,omitempty"`
	// Output is the functional test's output, when the functional test recorded it
	// (Execution.SetOutput; CommandTest does), cut after 16 KiB.
	Output          string  `json:"output,omitempty"`
	OutputTruncated bool    `json:"output_truncated,omitempty"`
	Seconds         float64 `json:"seconds"`
}

// FaultReport is a fault planned for an execution.
type FaultReport struct {
	// Kind is the error injected ("syscall.ECONNREFUSED") or "status N".
	Kind    string `json:"kind"`
	Service string `json:"service,omitempty"` // the callee, when known
	Method  string `json:"method"`
	URL     string `json:"url"`
	// Site is the call site ("file:line") of the call the fault is for.
	Site           string `json:"site,omitempty"`
	ExecutionIndex string `json:"execution_index"`
	// Reached says the call happened and the fault was injected.
	Reached     bool   `json:"reached"`
	Description string `json:"description"`
}

// CallReport is one call of an execution, with its outcome.
type CallReport struct {
	Source string `json:"source"`
	// Target is the callee, when it reported the request in this or an earlier
	// execution.
	Target string `json:"target,omitempty"`
	Site   string `json:"site,omitempty"` // "file:line"
	Module string `json:"module"`
	Method string `json:"method"`
	URL    string `json:"url"`
	// Received says the callee reported the request in this execution.
	Received bool `json:"received"`
	// Status is the response's status, made up or real; 0 for none.
	Status int `json:"status,omitempty"`
	// Error is the name of the error the call returned, injected or real.
	Error string `json:"error,omitempty"`
	// Injected is the kind of the fault injected on the call (FaultReport.Kind), ""
	// for none.
	Injected       string          `json:"injected,omitempty"`
	OnGoroutine    bool            `json:"on_goroutine,omitempty"`
	ExecutionIndex string          `json:"execution_index"`
	VClock         json.RawMessage `json:"vclock,omitempty"`
	OriginVClock   json.RawMessage `json:"origin_vclock,omitempty"`
}

// PrunedExecution is an execution dynamic reduction skipped: earlier executions
// already covered its faults' outcomes.
type PrunedExecution struct {
	Faults []FaultReport `json:"faults"`
}

// SiteReport is what the exploration did at one call site.
type SiteReport struct {
	Site  string `json:"site"` // "file:line"
	Calls int    `json:"calls"`
	// FaultFreeCalls counts the calls made from it in executions that planned no
	// fault (the fault-free first one, unless replaying).
	FaultFreeCalls int      `json:"fault_free_calls"`
	Sources        []string `json:"sources"`
	Targets        []string `json:"targets,omitempty"`
	// Injected are the fault kinds injected on its calls; Possible those the analysis
	// names for them; NeverInjected those of Possible not in Injected. All sorted.
	Injected      []string `json:"injected"`
	Possible      []string `json:"possible"`
	NeverInjected []string `json:"never_injected"`
}

// Progress is what Options.OnProgress is told after each execution.
type Progress struct {
	Ran, Passed, Pruned int
	// Failed says the execution that just ran failed (the exploration stops).
	Failed bool
	// NotTested counts the executions in which a planned fault never landed.
	NotTested int
	// Queued counts the executions scheduled and not yet run or pruned; it grows as
	// executions schedule more.
	Queued  int
	Elapsed time.Duration
}

// notify tells Options.OnProgress where the exploration is.
func (c *Coordinator) notify(s *Summary, passed bool, start time.Time) {
	if c.opts.OnProgress == nil {
		return
	}
	c.mu.Lock()
	queued := len(c.scheduled)
	c.mu.Unlock()
	c.opts.OnProgress(Progress{Ran: s.ExecutionsRan, Passed: s.Passed, Pruned: s.Pruned, Failed: !passed,
		NotTested: len(s.Unreached), Queued: queued, Elapsed: time.Since(start)})
}

// reportLog is what the coordinator keeps for its report.
type reportLog struct {
	runs    []*ranExecution
	pruned  []*plan
	summary *Summary
}

type ranExecution struct {
	number int
	ex     *execution
	passed bool
	check  checked
	took   time.Duration
}

// SetOutput records out as the functional test's output for the execution, for the
// report. CommandTest calls it; a functional test running in the coordinator's process
// may call it with what it printed.
func (x *Execution) SetOutput(out string) {
	x.c.mu.Lock()
	defer x.c.mu.Unlock()
	x.ex.output = out
}

// record keeps ex, the number-th execution, for the report.
func (c *Coordinator) record(number int, ex *execution, passed bool, ch checked, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.report.runs = append(c.report.runs, &ranExecution{number: number, ex: ex, passed: passed, check: ch, took: took})
}

// recordPruned keeps an execution dynamic reduction pruned, for the report.
func (c *Coordinator) recordPruned(p *plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.report.pruned = append(c.report.pruned, p)
}

// endReport keeps the exploration's summary and attaches the report to it.
func (c *Coordinator) endReport(s *Summary) {
	c.mu.Lock()
	c.report.summary = s
	c.mu.Unlock()
	s.Report = c.Report()
}

// Report returns the report of the exploration so far; after Explore it is the
// whole exploration's.
func (c *Coordinator) Report() *Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &Report{
		Format: ReportFormat,
		Settings: ReportSettings{
			DynamicReduction:     c.opts.DynamicReduction,
			MaxTests:             c.opts.MaxTests,
			OnlyInitial:          c.opts.OnlyInitial,
			BreadthFirst:         c.opts.BreadthFirst,
			SuppressCombinations: c.opts.SuppressCombinations,
			AllowUnreached:       c.opts.AllowUnreached,
			FunctionalTest:       c.opts.FunctionalTestName,
			CounterexampleFile:   c.opts.CounterexampleFile,
			Replay:               c.opts.Replay,
			Analysis:             c.opts.Analysis,
		},
		Executions: []ExecutionReport{},
		Pruned:     []PrunedExecution{},
	}
	sum := &r.Summary
	sites := make(map[string]*siteTally)
	for _, run := range c.report.runs {
		x := c.executionReport(run)
		switch x.Result {
		case "passed":
			sum.Passed++
		case "failed":
			sum.Failed++
		default:
			sum.NotTested++
		}
		for _, f := range x.Faults {
			if !f.Reached {
				sum.Unlanded++
			}
		}
		if x.Diverged != "" {
			sum.Diverged++
		}
		r.Executions = append(r.Executions, x)
		c.tallySites(sites, run.ex)
	}
	sum.Ran = len(r.Executions)
	for _, p := range c.report.pruned {
		r.Pruned = append(r.Pruned, PrunedExecution{Faults: c.faultReports(p, nil)})
	}
	sum.Pruned = len(r.Pruned)
	sum.NotRun = len(c.scheduled)
	switch s := c.report.summary; {
	case s == nil:
		sum.Result = "running"
	case len(r.Executions) > 0 && len(r.Executions[0].Calls) == 0 && c.opts.Replay == "":
		sum.Result = "nothing tested"
	case sum.Failed > 0:
		sum.Result = "failed"
	case sum.NotTested > 0 && !c.opts.AllowUnreached:
		sum.Result = "incomplete"
	case sum.NotTested > 0:
		sum.Result = "passed, unreached allowed"
	default:
		sum.Result = "passed"
	}
	if s := c.report.summary; s != nil {
		sum.ElapsedSeconds = s.Elapsed.Seconds()
	}
	r.Sites = make([]SiteReport, 0, len(sites))
	for _, t := range sites {
		r.Sites = append(r.Sites, t.report())
	}
	sort.Slice(r.Sites, func(i, j int) bool { return siteLess(r.Sites[i].Site, r.Sites[j].Site) })
	return r
}

// executionReport describes an execution that ran. c.mu must be held.
func (c *Coordinator) executionReport(run *ranExecution) ExecutionReport {
	x := ExecutionReport{
		Number:   run.number,
		Result:   "passed",
		Faults:   c.faultReports(run.ex.plan, run.ex),
		Calls:    make([]CallReport, 0, len(run.ex.log)),
		Diverged: run.check.diverged,
		Seconds:  run.took.Seconds(),
	}
	switch {
	case !run.passed:
		x.Result = "failed"
	case len(run.check.unreached) > 0, len(run.ex.log) == 0:
		// A fault never landed, or no instrumented call was made: nothing was tested.
		x.Result = "not tested"
	}
	if out := run.ex.output; out != "" {
		if len(out) > maxOutput {
			out, x.OutputTruncated = out[:maxOutput], true
		}
		x.Output = out
	}
	for _, e := range run.ex.log {
		x.Calls = append(x.Calls, c.callReport(e))
	}
	return x
}

// faultReports describes p's faults; ex, when not nil, is the execution that ran p.
// c.mu must be held.
func (c *Coordinator) faultReports(p *plan, ex *execution) []FaultReport {
	out := make([]FaultReport, 0, len(p.failures))
	for _, f := range p.failures {
		fault := c.faultOf(f)
		fr := FaultReport{
			Kind:           faultKind(f),
			Service:        fault.Service,
			Method:         fault.Method,
			URL:            fault.URL,
			ExecutionIndex: f.ExecutionIndex,
			Description:    fault.String(),
		}
		if ex != nil {
			fr.Reached = ex.reached[f.ExecutionIndex]
			for _, e := range ex.log {
				if e.ei == f.ExecutionIndex {
					fr.Site = siteOf(e)
					break
				}
			}
		}
		if fr.Site == "" {
			for _, e := range p.prefix {
				if e.ei == f.ExecutionIndex {
					fr.Site = siteOf(e)
					break
				}
			}
		}
		out = append(out, fr)
	}
	return out
}

// callReport describes a logged call. c.mu must be held.
func (c *Coordinator) callReport(e *entry) CallReport {
	call := CallReport{
		Target:         e.target,
		Site:           siteOf(e),
		Received:       e.received,
		Error:          e.excName,
		OnGoroutine:    e.onGoroutine,
		ExecutionIndex: e.ei,
	}
	call.Source, _ = e.fields["source_service_name"].(string)
	call.Module, _ = e.fields["module"].(string)
	method, _ := e.fields["method"].(string)
	call.Method = strings.ToUpper(method)
	var args []string
	json.Unmarshal(argsOf(e.fields), &args)
	call.URL = strings.Join(args, ",")
	if call.Target == "" {
		call.Target = c.targets[e.ei]
	}
	if e.status != "" {
		call.Status, _ = strconv.Atoi(e.status)
	}
	if e.failed != nil {
		call.Injected = faultKind(e.failed)
	}
	if v, ok := e.fields["vclock"]; ok && v != nil {
		call.VClock = json.RawMessage(e.vclock)
	}
	if v, ok := e.fields["origin_vclock"]; ok && v != nil {
		call.OriginVClock = json.RawMessage(e.origin)
	}
	return call
}

// faultKind names what f injects: the error's name, or "status N".
func faultKind(f *failure) string { return describe(f).Kind() }

// siteOf returns the call site of e as "file:line", or "" when it reported none.
func siteOf(e *entry) string {
	file, ok := e.fields["callsite_file"].(string)
	if !ok || file == "" {
		return ""
	}
	return file + ":" + fmt.Sprint(e.fields["callsite_line"])
}

// siteLess orders "file:line" sites by file, then by line as a number.
func siteLess(a, b string) bool {
	fa, la, _ := strings.Cut(a, ":")
	fb, lb, _ := strings.Cut(b, ":")
	if fa != fb {
		return fa < fb
	}
	na, ea := strconv.Atoi(la)
	nb, eb := strconv.Atoi(lb)
	if ea != nil || eb != nil {
		return la < lb
	}
	return na < nb
}

// siteTally accumulates a SiteReport.
type siteTally struct {
	site                       string
	calls, faultFree           int
	sources, targets, injected map[string]bool
	possible                   map[string]bool
}

// tallySites adds the calls of ex to sites. c.mu must be held.
func (c *Coordinator) tallySites(sites map[string]*siteTally, ex *execution) {
	for _, e := range ex.log {
		site := siteOf(e)
		if site == "" {
			site = "(no call site reported)"
		}
		t := sites[site]
		if t == nil {
			t = &siteTally{site: site, sources: map[string]bool{}, targets: map[string]bool{}, injected: map[string]bool{}, possible: map[string]bool{}}
			sites[site] = t
		}
		t.calls++
		if len(ex.plan.failures) == 0 {
			t.faultFree++
		}
		if src, _ := e.fields["source_service_name"].(string); src != "" {
			t.sources[src] = true
		}
		target := e.target
		if target == "" {
			target = c.targets[e.ei]
		}
		if target != "" {
			t.targets[target] = true
		}
		if e.failed != nil {
			t.injected[faultKind(e.failed)] = true
		}
		for _, f := range c.faultsFor(e, target) {
			t.possible[faultKind(f)] = true
		}
	}
}

func (t *siteTally) report() SiteReport {
	s := SiteReport{
		Site:           t.site,
		Calls:          t.calls,
		FaultFreeCalls: t.faultFree,
		Sources:        sortedKeys(t.sources),
		Targets:        sortedKeys(t.targets),
		Injected:       sortedKeys(t.injected),
		Possible:       sortedKeys(t.possible),
		NeverInjected:  []string{},
	}
	for _, k := range s.Possible {
		if !t.injected[k] {
			s.NeverInjected = append(s.NeverInjected, k)
		}
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// limitedBuffer keeps the first maxOutput+1 bytes written to it and drops the rest.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxOutput + 1 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
