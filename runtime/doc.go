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
//   - FILIBUSTER_COUNTEREXAMPLE_FILE (or COUNTEREXAMPLE_FILE, the reference's name):
//     replay a coordinator's counterexample file with no coordinator at all: the calls
//     whose execution index it lists fail as it says, and WasFaultInjectedOn answers
//     from the services it names, as in the execution it recorded.
//   - FILIBUSTER_TIMEOUT: the bound of every call to the coordinator, as a duration
//     ("500ms") or seconds ("2"); default 5s.
//   - FILIBUSTER_TARGETS: the application's services, "name=host:port,...": a call to
//     one of them is keyed by the service's name instead of its host and port, so its
//     execution index is the same when the application runs on other ports.
//
// A coordinator that is down, slow or wrong never breaks a service. The first of a run
// of failed calls to it is logged, and the call each was for proceeds normally,
// uninstrumented. A call to
// it that times out, or three failed calls in a row, make the process give up on the
// coordinator: one more line is logged and the process runs uninstrumented from then
// on, so a coordinator that accepts connections and never answers costs one call its
// timeout. Calls whose target is the coordinator (a functional test's
// WasFaultInjected, say) pass through untouched, whoever makes them.
//
// # Client side
//
// Get, Head, Post, PostForm and ClientDo, ClientGet, ClientHead, ClientPost,
// ClientPostForm mirror the net/http functions and *http.Client methods with a Site and
// a scope first. For each call the runtime asks whether a new test execution began
// (then it forgets every clock and counter), merges the incoming vector clock into the
// request's clock and increments its own service's count, pushes the call's key onto the
// execution index (counting identical calls per request and incoming execution index;
// the key is made of the static call-site id, the method and the target host:port, never
// of the URL's path, query or body, so per-request values do not change it),
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
// With this module's coordinator, the runtime speaks the extensions of
// docs/protocol.md ("Extensions our coordinator advertises"): it asks new-test-execution
// once per process, its requests to the coordinator travel on upgraded connections, and
// the reports a handler's request makes travel back with its response, the service the
// functional test called sending them all in one request before it answers. Against any
// other coordinator (the reference server) it speaks the protocol above, request by
// request.
//
// The state of the request a call belongs to is found, in order, in:
//
//  1. the scope argument, a context.Context or *http.Request the generated code passes
//     (the handler's request or a context in scope);
//  2. the outgoing request's context;
//  3. the handler running on the same goroutine;
//  4. the handler that started the calling goroutine, directly or through goroutines
//     that are still running (a WaitGroup or errgroup fan-out), found from the
//     goroutines' stack traces ("created by ... in goroutine N") on the first call of
//     each goroutine; a handler that has returned still counts, until the next test
//     execution begins;
//  5. a process-wide root state, for calls made outside any handler. A call on a
//     goroutine whose chain to its handler goes through a goroutine that has exited
//     lands here too, and the first such call is logged: pass the request's context to
//     keep it with its request. Instrumented code calls Fork before each go statement,
//     so an exited goroutine of the user's own code still passes its request on; only
//     goroutines started by uninstrumented code (a library) that have exited break the
//     chain.
//
// None of this runs on the inert path.
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
