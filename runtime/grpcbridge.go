package runtime

import (
	"context"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// This file is the runtime's interface for instrumentations that live outside this
// module, so that this module stays standard-library only: the gRPC interceptors of
// module github.com/filibuster-go/filibuster-gen/grpc (docs/grpc.md) report their calls
// through it, with the same clocks, execution indexes and coordinator connection as
// the net/http calls of the same process. It is not meant for application code.

// Instrumenting reports whether calls are reported to a coordinator. When it is false
// (no FILIBUSTER_URL, or the coordinator was given up on) an instrumentation calls
// straight through; the inert case is one atomic load.
func Instrumenting() bool { return current().instrumenting() }

// Call describes one outgoing call for Begin.
type Call struct {
	Site   Site
	Module string   // reported module: "grpc"
	Method string   // reported method: "/pkg.Service/Method"
	Target string   // where the call is sent ("dns:///users:50051"); part of the execution-index key
	Args   []string // reported args
	// Timeout is the time left before the call's deadline; 0 means it has none.
	Timeout time.Duration
}

// Invocation is a call reported to the coordinator, from its create to its outcome.
type Invocation struct {
	cfg    *config
	vc     *vclock
	ei     executionIndex
	in     *incoming
	answer createAnswer
	// execution is the execution the call's create named (the execution extension of
	// protocol.md), or nil.
	execution *int64
	done      atomic.Bool
}

// Begin reports call, made for the request ctx belongs to, with PUT /filibuster/create
// (protocol.md §3.1-3.5). The request's state is found as for a net/http call: in ctx,
// then from the calling goroutine. Begin returns nil when the call is to go ahead
// uninstrumented: the runtime is inert, or the coordinator could not be reached or
// answered wrongly (a failure the runtime records as for net/http calls).
func Begin(ctx context.Context, call Call) *Invocation {
	cfg := current()
	if !cfg.instrumenting() {
		return nil
	}
	in := fromContext(ctx)
	if in == nil {
		in = states.orRoot(states.resolve(goroutineID()))
	}
	service := in.serviceName()
	origin := in.origin
	if origin == nil {
		origin = newVClock()
	}
	metadata := map[string]any{}
	if call.Timeout > 0 {
		metadata["timeout"] = seconds(call.Timeout)
	}
	args := call.Args
	if args == nil {
		args = []string{}
	}
	payload := &createPayload{
		InstrumentationType: "invocation",
		SourceServiceName:   service,
		Module:              call.Module,
		Method:              call.Method,
		Args:                args,
		Kwargs:              struct{}{},
		CallsiteFile:        call.Site.File,
		CallsiteLine:        strconv.Itoa(call.Site.Line),
		FullTraceback:       call.Site.ID,
		Metadata:            metadata,
		OriginVClock:        origin,
		OnGoroutine:         in.onGoroutine(),
	}
	vc, ei, answer, ok := cfg.create(in, service, targetKey(call.Site.ID, call.Module, call.Method, call.Target), payload)
	if !ok {
		return nil
	}
	return &Invocation{cfg: cfg, vc: vc, ei: ei, in: in, answer: answer, execution: payload.Execution}
}

// seconds is d in seconds, a whole number as an integer, as Python sends it.
func seconds(d time.Duration) any {
	if d%time.Second == 0 {
		return int64(d / time.Second)
	}
	return d.Seconds()
}

// Headers returns the headers the call carries to its callee (protocol.md §2) as
// name, value pairs, with their HTTP names ("X-Filibuster-Execution-Index"); gRPC
// sends them as metadata in lower case. It is nil when the coordinator gave the call
// no execution index. A forced sleep is not among them (see Fault.Sleep).
func (v *Invocation) Headers() []string {
	if v.answer.ExecutionIndex == "" {
		return nil
	}
	h := make([]string, 0, 10)
	if v.answer.GeneratedID != nil {
		h = append(h, headerGeneratedID, strconv.Itoa(*v.answer.GeneratedID))
	}
	vc := v.vc.String()
	h = append(h,
		headerVClock, vc,
		headerOriginVClock, vc,
		headerEI, v.answer.ExecutionIndex,
		headerRequestID, v.in.requestID)
	if v.execution != nil {
		h = append(h, headerExecution, strconv.FormatInt(*v.execution, 10))
	}
	return h
}

// SleepHeader is the header that asks the callee for a forced sleep, in seconds.
const SleepHeader = headerForcedSleep

// Fault is a fault the coordinator asks a call for (protocol.md §4).
type Fault struct {
	// Forced is true for a forced_exception, whose name and metadata Name and
	// Metadata are; false for a failure_metadata, whose exception's they are (the
	// gRPC form: {"exception": {"metadata": {"code": "NOT_FOUND"}}}).
	Forced   bool
	Name     string
	Metadata map[string]any
	// StatusCode is a failure_metadata's return_value.status_code (the HTTP form), or "".
	StatusCode string
}

// Abort reports whether the call is not to be sent: true unless metadata.abort is false.
func (f *Fault) Abort() bool {
	a, ok := f.Metadata["abort"].(bool)
	return !ok || a
}

// Sleep returns the forced sleep, in seconds, that metadata.sleep asks the callee for.
func (f *Fault) Sleep() (float64, bool) {
	return (&forcedFault{Metadata: f.Metadata}).sleep()
}

// Fault returns the fault the coordinator asked for, if any.
func (v *Invocation) Fault() (Fault, bool) {
	switch a := v.answer; {
	case a.ForcedException != nil:
		return Fault{Forced: true, Name: a.ForcedException.Name, Metadata: orEmpty(a.ForcedException.Metadata)}, true
	case a.FailureMetadata != nil:
		f := Fault{StatusCode: strings.Trim(string(a.FailureMetadata.ReturnValue.StatusCode), `"`)}
		if e := a.FailureMetadata.Exception; e != nil {
			f.Name, f.Metadata = e.Name, e.Metadata
		}
		f.Metadata = orEmpty(f.Metadata)
		return f, true
	}
	return Fault{}, false
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Complete reports the call's outcome with POST /filibuster/update (protocol.md
// §3.7): returnValue when it succeeded, exception ({"name": ..., "metadata": ...})
// when it failed. Only the first Complete of an invocation reports.
func (v *Invocation) Complete(returnValue, exception map[string]any) {
	if !v.done.CompareAndSwap(false, true) {
		return
	}
	complete := &completePayload{
		InstrumentationType: "invocation_complete",
		GeneratedID:         v.answer.GeneratedID,
		ExecutionIndex:      v.ei.String(),
		VClock:              v.vc,
		Execution:           v.execution,
	}
	if exception != nil {
		complete.Exception = exception
	} else {
		complete.ReturnValue = returnValue
	}
	v.cfg.report(v.in, complete)
}

// Serve begins serving an incoming call as the runtime's handler middleware serves a
// request (protocol.md §3, server side): header returns a propagated header by its
// HTTP name ("X-Filibuster-Execution-Index"), or "". Serve reports request_received,
// obeys a forced sleep (in seconds; it ends early when ctx does), and returns the
// context to serve the call with, which carries the call's state to the calls made
// while serving it, and the function to call once the call's handler has returned.
// The handler must run on the calling goroutine. Inert, or for a call already being
// served, Serve returns ctx and a function that does nothing, and does not allocate.
func Serve(ctx context.Context, header func(name string) string) (context.Context, func()) {
	c := current()
	if !c.instrumenting() || fromContext(ctx) != nil {
		return ctx, nothing
	}
	in := &incoming{requestID: header(headerRequestID)}
	if in.requestID == "" {
		in.requestID = newRequestID()
	}
	if eiText := header(headerEI); eiText != "" {
		h := http.Header{}
		for _, k := range []string{headerVClock, headerOriginVClock} {
			if s := header(k); s != "" {
				h.Set(k, s)
			}
		}
		if err := in.parseHeaders(h, eiText); err != nil {
			if badHeaders.CompareAndSwap(false, true) {
				log.Printf("filibuster: ignoring malformed Filibuster headers (logged once): %v", err)
			}
			in = &incoming{requestID: in.requestID}
		} else if !c.noServer {
			c.received(in, eiText, header)
		}
	}
	if s := header(headerForcedSleep); s != "" {
		if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
			t := time.NewTimer(time.Duration(secs * float64(time.Second)))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}
	leave := states.enter(in)
	return context.WithValue(ctx, stateKey{}, in), leave
}

func nothing() {}

// LibraryCallSite returns the site of a call that generated code gave no site, found
// as for a net/http call made inside a library: the innermost frame of the calling
// goroutine in the user's module (as InstallHooks names it) and outside its generated
// files; failing that, the innermost generated user frame; failing that, the innermost
// frame of a package that neither this runtime nor any of the import-path prefixes in
// skip (the instrumentation and the library it instruments) names.
func LibraryCallSite(skip ...string) Site {
	return userSite(func(pkg string) bool { return hasPrefix(pkg, skip) })
}

// hasPrefix reports whether pkg is one of prefixes or inside one.
func hasPrefix(pkg string, prefixes []string) bool {
	for _, p := range prefixes {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}
