package runtime

import (
	"context"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Site describes one call site or handler registration. Generated code passes it by
// value, as a composite literal, so the inert path does not allocate.
type Site struct {
	ID   string // static call-site id
	File string // module-relative, slash-separated path of the original file
	Line int    // line of the call in the original file
	Func string // enclosing function
}

// badHeaders is set once malformed Filibuster headers have been logged.
var badHeaders atomic.Bool

// handler is the server-side middleware (protocol.md §3, server side).
type handler struct {
	site    Site
	next    http.Handler
	service string // overrides the process's service name (tests host several)
}

// Handler wraps h so that every request it serves reports to the coordinator and
// carries its Filibuster state to the calls made while serving it. A nil h means
// http.DefaultServeMux. Wrapping a handler more than once reports each request once.
func Handler(site Site, h http.Handler) http.Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	if w, ok := h.(*handler); ok {
		return w
	}
	return &handler{site: site, next: h}
}

// HandlerFunc wraps f like Handler, keeping f's static type.
func HandlerFunc[F ~func(http.ResponseWriter, *http.Request)](site Site, f F) F {
	if f == nil {
		return nil
	}
	h := &handler{site: site, next: http.HandlerFunc(f)}
	return F(h.ServeHTTP)
}

// Server wraps srv.Handler (nil meaning http.DefaultServeMux) in place and returns srv.
func Server(site Site, srv *http.Server) *http.Server {
	if srv != nil {
		if _, ok := srv.Handler.(*handler); !ok {
			srv.Handler = Handler(site, srv.Handler)
		}
	}
	return srv
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	serve(current(), h.service, h.next, w, r)
}

// serve serves r with next, as the service named service ("" for the process's), after
// reporting it (protocol.md §3, server side). The wrapped handlers and the server hook
// both serve through it; a request it already serves passes through.
func serve(c *config, service string, next http.Handler, w http.ResponseWriter, r *http.Request) {
	if !c.instrumenting() || fromContext(r.Context()) != nil {
		next.ServeHTTP(w, r)
		return
	}
	in := &incoming{service: service, requestID: r.Header.Get(headerRequestID)}
	if in.requestID == "" {
		in.requestID = newRequestID()
	}
	eiText := r.Header.Get(headerEI)
	switch {
	case c.noServer:
	case eiText == "":
		// A request of the functional test's (or of no caller of ours): with our
		// coordinator, the handler sends the reports made for it in one request
		// before it answers.
		if c.extended.Load() {
			in.held = &held{}
		}
	case hasToken(r.Header.Get(headerExtensions), extensionReports):
		// A caller of ours, which takes the reports back in the response.
		in.held, in.carry = &held{}, true
	}
	var hw *holdingWriter
	if in.held != nil {
		if hw = c.holding(in, w, r); hw != nil {
			w = hw
		}
	}
	if eiText != "" {
		if err := in.parseHeaders(r.Header, eiText); err != nil {
			if badHeaders.CompareAndSwap(false, true) {
				log.Printf("filibuster: ignoring malformed Filibuster headers (logged once): %v", err)
			}
			in.ei, in.vclock, in.origin = nil, nil, nil
		} else if !c.noServer {
			c.received(in, eiText, r.Header.Get)
		}
	}
	if s := r.Header.Get(headerForcedSleep); s != "" {
		if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
			time.Sleep(time.Duration(secs * float64(time.Second)))
		}
	}
	in.below = callersBelow()
	leave := states.enter(in)
	defer leave()
	finished := false
	if hw != nil {
		defer func() {
			if !finished {
				hw.release(false) // the handler panicked: no response goes out
			}
		}()
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, in)))
	finished = true
	if hw != nil {
		hw.release(true) // the handler wrote nothing: net/http answers for it now
	}
}

// received reports that in's service received a call whose execution index is eiText,
// with request_received; header returns the call's propagated headers by their HTTP
// names. When the caller named its execution (headerExecution, the execution extension
// of protocol.md), the service's clocks are made to belong to it first, and the report
// names it. A failure is recorded by call; the call is served all the same.
func (c *config) received(in *incoming, eiText string, header func(string) string) {
	service := in.serviceName()
	report := map[string]any{
		"instrumentation_type": "request_received",
		"generated_id":         header(headerGeneratedID),
		"execution_index":      eiText,
		"target_service_name":  service,
	}
	if id, err := strconv.ParseInt(header(headerExecution), 10, 64); err == nil && id >= 0 {
		// The caller's coordinator, ours too, names its executions.
		states.catchUp(service, id)
		c.extended.Store(true)
		report["execution"] = id
	}
	c.post(in, report)
}

// parseHeaders reads the caller's vector clocks and execution index.
func (in *incoming) parseHeaders(h http.Header, eiText string) error {
	ei, err := parseEI(eiText)
	if err != nil {
		return err
	}
	in.ei = ei
	in.vclock = newVClock()
	if s := h.Get(headerVClock); s != "" {
		if in.vclock, err = parseVClock(s); err != nil {
			return err
		}
	}
	in.origin = newVClock()
	if s := h.Get(headerOriginVClock); s != "" {
		if in.origin, err = parseVClock(s); err != nil {
			return err
		}
	}
	return nil
}

// serviceName is the service that serves in's request.
func (in *incoming) serviceName() string {
	if in.service != "" {
		return in.service
	}
	return serviceName()
}
