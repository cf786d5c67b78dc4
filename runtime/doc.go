// Package runtime is what code instrumented by filibuster-gen calls: wrappers of the
// net/http client calls and handlers that speak the Filibuster coordinator protocol, so
// that a coordinator can observe every call between services and make chosen calls fail
// (connection refused, timeouts, error statuses).
//
// It imports only the standard library, so it can be used from any module.
//
// # Configuration
//
// The environment is read once, at the first instrumented call:
//
//   - FILIBUSTER_URL: the coordinator, e.g. http://127.0.0.1:5005. Unset, the runtime is
//     inert: every wrapper calls net/http directly, with no allocation and no network.
//   - FILIBUSTER_SERVICE_NAME: the service name reported to the coordinator; it overrides
//     the name the generator baked in (SetDefaultServiceName).
//   - FILIBUSTER_DISABLE_SERVER_COMMUNICATION: propagate the headers but never contact
//     the coordinator and inject nothing.
//   - FILIBUSTER_COUNTEREXAMPLE_FILE: replay a coordinator's counterexample file with no
//     coordinator at all: the calls whose execution index it lists fail as it says.
//
// A coordinator that is down or answers garbage is logged once; each call then proceeds
// normally, uninstrumented. Calls to the coordinator itself are never instrumented.
//
// # Client side
//
// Get, Head, Post, PostForm and ClientDo, ClientGet, ClientHead, ClientPost,
// ClientPostForm mirror the net/http functions and *http.Client methods with a Site and
// a scope first. For each call the runtime asks whether a new test execution began
// (then it forgets every clock and counter), merges the incoming vector clock into the
// request's clock and increments its own service's count, pushes the call's key onto the
// execution index (counting identical calls per request and incoming execution index),
// reports the call with PUT
// /filibuster/create, and sends it with the X-Filibuster-* headers on a clone of the
// request. The coordinator may instead make it fail: an exception (the call is not sent,
// or is sent with a forced sleep when abort is false, and the caller gets a *url.Error
// like net/http's: errors.Is(err, syscall.ECONNREFUSED), or errors.Is(err,
// context.DeadlineExceeded) with Timeout() true), or a status code (the call is not
// sent; the caller gets a response with that status and an empty body). The outcome is
// reported with POST /filibuster/update; a response body is read to hash it and
// replaced by an equivalent reader.
//
// The state of the request a call belongs to is found, in order, in:
//
//  1. the scope argument, a context.Context or *http.Request the generated code passes
//     (the handler's request or a context in scope);
//  2. the outgoing request's context;
//  3. the handler running on the same goroutine;
//  4. a process-wide root state, for calls made outside any handler.
//
// # Server side
//
// Handler, HandlerFunc and Server wrap handlers: each request gets a request id (from
// X-Filibuster-Request-Id or a fresh UUID), its Filibuster headers are kept in its
// context, it is reported with a request_received update, and a forced sleep is obeyed
// before the handler runs. The ResponseWriter is passed through untouched, so its
// optional interfaces (Flusher, Hijacker, ReaderFrom) stay available. Wrapping a handler
// twice reports each request once.
package runtime
