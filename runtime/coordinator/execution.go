package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Execution is the view of one execution that a functional test running in the
// coordinator's own process has: which execution it is and which faults it injects.
// The context Explore passes to Options.FunctionalTest carries it (ExecutionFrom).
type Execution struct {
	// Number counts executions from 1, the fault-free one, in the sequential order.
	// It is 0 for an execution run ahead of its turn (Options.Parallel), whose place
	// in that order is not known yet.
	Number int
	// Lane is the lane the execution runs on (see Options.Parallel): the functional
	// test sends its requests to the copy of the application that reports to it.
	Lane int
	// Faults are the faults planned for the execution, in execution-index order.
	Faults []Fault

	c  *Coordinator
	p  *plan
	ex *execution
}

// Fault is a fault planned for one call.
type Fault struct {
	// Service is the callee's name, when it reported a request in an earlier
	// execution; "" for a callee that is not instrumented.
	Service string
	Method  string // the call's method: "GET", or a gRPC call's full method
	// URL is the call's URL as the runtime reports it, without scheme and host, as the
	// reference does: "5000/users/chris_rivers" for http://users:5000/users/chris_rivers.
	URL string
	// Exception is the name of the error injected ("requests.exceptions.Timeout"), or
	// "" for a made-up response.
	Exception string
	// Status is the status of the made-up response, or 0 for an error.
	Status int
	// Code is the gRPC status code the call fails with ("NOT_FOUND"), for a gRPC fault
	// (docs/grpc.md); "" otherwise.
	Code string
	// Answered says that a gRPC code is the callee's answer (an error of the analysis
	// for the callee's service) rather than an error the call fails with before it
	// reaches the callee (an exception of the analysis).
	Answered bool
	// After, for a fault on a stream after some messages, says after how many and in
	// which direction: "1 received", "2 sent"; "" for a fault before the stream opens.
	After string
	// ExecutionIndex is the call's execution index.
	ExecutionIndex string
}

// String describes the fault for people: "status 503 on bookings GET http://…".
func (f Fault) String() string {
	call := f.Method
	if f.URL != f.Method { // a gRPC call's argument is its method
		call = strings.TrimSpace(f.Method + " " + f.URL)
	}
	if f.Service != "" {
		call = f.Service + " " + call
	}
	return f.Kind() + " on " + call
}

// Kind describes what the fault injects, whatever the call: "status 503",
// "code NOT_FOUND", "code NOT_FOUND answered" (by the callee), "code UNAVAILABLE after
// 1 received" (on a stream), "syscall.ECONNREFUSED".
func (f Fault) Kind() string {
	switch {
	case f.Status != 0:
		return "status " + strconv.Itoa(f.Status)
	case f.Code != "":
		kind := "code " + f.Code
		if f.Answered {
			kind += " answered"
		}
		if f.After != "" {
			kind += " after " + f.After
		}
		return kind
	}
	return f.Exception
}

type executionKey struct{}

// ExecutionFrom returns the execution a functional test given ctx runs in, or nil
// when ctx does not come from Explore.
func ExecutionFrom(ctx context.Context) *Execution {
	x, _ := ctx.Value(executionKey{}).(*Execution)
	return x
}

// FaultInjected reports whether a fault is planned for the execution, as the runtime's
// WasFaultInjected asks.
func (x *Execution) FaultInjected() bool { return len(x.p.failures) > 0 }

// FaultInjectedOn reports whether a fault is planned for a call to service, as the
// runtime's WasFaultInjectedOn asks.
func (x *Execution) FaultInjectedOn(service string) bool {
	return x.c.faultInjectedIn(x.p, service)
}

// Landed reports whether the faults planned for the execution were all injected so
// far: a fault whose call has not happened has not landed.
func (x *Execution) Landed() bool {
	x.c.mu.Lock()
	defer x.c.mu.Unlock()
	for _, f := range x.p.failures {
		if !x.ex.reached[f.ExecutionIndex] {
			return false
		}
	}
	return true
}

// newExecutionView returns the view of ex, the number-th execution (0 when run
// ahead), running on lane. c.mu must be held.
func (c *Coordinator) newExecutionView(number, lane int, ex *execution) *Execution {
	x := &Execution{Number: number, Lane: lane, c: c, p: ex.plan, ex: ex}
	for _, f := range ex.plan.failures {
		x.Faults = append(x.Faults, c.faultOf(f))
	}
	return x
}

// faultOf describes f, with its callee's service. c.mu must be held.
func (c *Coordinator) faultOf(f *failure) Fault {
	fault := describe(f)
	fault.Service = c.targets[f.ExecutionIndex]
	return fault
}

// afterMessages describes a stream fault's after_received or after_sent metadata
// (docs/grpc.md): "1 received"; "" when it has neither.
func afterMessages(md map[string]any) string {
	for _, dir := range []string{"received", "sent"} {
		if n, ok := md["after_"+dir]; ok && n != nil {
			return fmt.Sprint(n) + " " + dir
		}
	}
	return ""
}

// describe describes f, but for its callee's service.
func describe(f *failure) Fault {
	method := f.method
	if !strings.Contains(method, "/") {
		method = strings.ToUpper(method) // an HTTP method, as the caller may spell it
	}
	fault := Fault{Method: method, ExecutionIndex: f.ExecutionIndex}
	var args []string
	json.Unmarshal(f.Args, &args)
	fault.URL = strings.Join(args, ",")
	if f.ForcedException != nil {
		fault.Exception = fmt.Sprint(f.ForcedException["name"])
		if md, ok := f.ForcedException["metadata"].(map[string]any); ok && md["code"] != nil {
			fault.Code = statusCode(md["code"])
			fault.After = afterMessages(md)
		}
	} else if ex, ok := f.FailureMetadata["exception"].(map[string]any); ok {
		if md, ok := ex["metadata"].(map[string]any); ok && md["code"] != nil {
			fault.Code, fault.Answered = statusCode(md["code"]), true
			fault.After = afterMessages(md)
		}
	} else if rv, ok := f.FailureMetadata["return_value"].(map[string]any); ok {
		code := fmt.Sprint(rv["status_code"])
		if fault.Status, _ = strconv.Atoi(code); fault.Status == 0 {
			fault.Exception = "status " + code // not a number: shown as it is
		}
	}
	return fault
}
