package runtime

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// module is the module name the coordinator sees for every net/http call.
const module = "net/http"

// Get is http.Get, instrumented.
func Get(site Site, scope any, url string) (*http.Response, error) {
	if !current().active {
		return http.Get(url)
	}
	return ClientGet(site, scope, http.DefaultClient, url)
}

// Head is http.Head, instrumented.
func Head(site Site, scope any, url string) (*http.Response, error) {
	if !current().active {
		return http.Head(url)
	}
	return ClientHead(site, scope, http.DefaultClient, url)
}

// Post is http.Post, instrumented.
func Post(site Site, scope any, url, contentType string, body io.Reader) (*http.Response, error) {
	if !current().active {
		return http.Post(url, contentType, body)
	}
	return ClientPost(site, scope, http.DefaultClient, url, contentType, body)
}

// PostForm is http.PostForm, instrumented.
func PostForm(site Site, scope any, url string, data url.Values) (*http.Response, error) {
	if !current().active {
		return http.PostForm(url, data)
	}
	return ClientPostForm(site, scope, http.DefaultClient, url, data)
}

// ClientGet is c.Get, instrumented.
func ClientGet(site Site, scope any, c *http.Client, url string) (*http.Response, error) {
	if !current().active {
		return c.Get(url)
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return ClientDo(site, scope, c, req)
}

// ClientHead is c.Head, instrumented.
func ClientHead(site Site, scope any, c *http.Client, url string) (*http.Response, error) {
	if !current().active {
		return c.Head(url)
	}
	req, err := http.NewRequest(http.MethodHead, url, nil)
	if err != nil {
		return nil, err
	}
	return ClientDo(site, scope, c, req)
}

// ClientPost is c.Post, instrumented.
func ClientPost(site Site, scope any, c *http.Client, url, contentType string, body io.Reader) (*http.Response, error) {
	if !current().active {
		return c.Post(url, contentType, body)
	}
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return ClientDo(site, scope, c, req)
}

// ClientPostForm is c.PostForm, instrumented.
func ClientPostForm(site Site, scope any, c *http.Client, url string, data url.Values) (*http.Response, error) {
	if !current().active {
		return c.PostForm(url, data)
	}
	return ClientPost(site, scope, c, url, "application/x-www-form-urlencoded", strings.NewReader(data.Encode()))
}

// createAnswer is the coordinator's answer to PUT /filibuster/create.
type createAnswer struct {
	GeneratedID     *int          `json:"generated_id"`
	ExecutionIndex  string        `json:"execution_index"`
	ForcedException *forcedFault  `json:"forced_exception"`
	FailureMetadata *failureFault `json:"failure_metadata"`
	// NewTestExecution and Execution are the answer of a coordinator that names its
	// executions to a create that named one that is not its current one: the call was
	// not recorded (protocol.md, "Extensions our coordinator advertises").
	NewTestExecution bool   `json:"new-test-execution"`
	Execution        *int64 `json:"execution"`
}

// forcedFault asks for an exception: the call fails with the named error.
type forcedFault struct {
	Name     string         `json:"name"`
	Metadata map[string]any `json:"metadata"`
}

// abort reports whether the call is not sent (the default).
func (f *forcedFault) abort() bool {
	a, ok := f.Metadata["abort"].(bool)
	return !ok || a
}

// sleep is the forced sleep, in seconds, the callee is asked for.
func (f *forcedFault) sleep() (float64, bool) {
	switch v := f.Metadata["sleep"].(type) {
	case float64:
		return v, true
	case string:
		s, err := strconv.ParseFloat(v, 64)
		return s, err == nil
	}
	return 0, false
}

// failureFault asks for a made-up response.
type failureFault struct {
	ReturnValue struct {
		StatusCode json.RawMessage `json:"status_code"` // "503" or 503
	} `json:"return_value"`
	// Exception is the gRPC form, {"metadata": {"code": "NOT_FOUND"}} (grpcbridge.go).
	Exception *forcedFault `json:"exception"`
}

func (f *failureFault) status() (int, bool) {
	raw := strings.Trim(string(f.ReturnValue.StatusCode), `"`)
	code, err := strconv.Atoi(raw)
	return code, err == nil && code >= 100 && code <= 999
}

// ClientDo is c.Do, instrumented: the call is reported to the coordinator, which may
// make it fail (protocol.md §3, client side).
//
// In a build whose net/http carries the generator's hook (see InstallHooks), the call
// goes through c.Do with site and scope attached to its context, and the hook reports
// it: every call, whoever makes it, is reported by that one path. Without the hook,
// ClientDo reports the call itself, through the same implementation.
func ClientDo(site Site, scope any, c *http.Client, req *http.Request) (*http.Response, error) {
	cfg := current()
	if !cfg.instrumenting() || req == nil || req.URL == nil || cfg.isCoordinator(req.URL) {
		return c.Do(req)
	}
	if c == nil {
		c = http.DefaultClient
	}
	if hooked.Load() {
		withSite := req.WithContext(withCaller(req.Context(), site, scope))
		resp, err := c.Do(withSite)
		if resp != nil && resp.Request == withSite {
			resp.Request = req // the caller's own request
		}
		return resp, err
	}
	return send(cfg, site, scope, c, req, c.Do)
}

// askNewTestExecution asks the coordinator, before a call service makes, whether a
// new test execution began, and forgets the clocks and counters of the last one when
// one did (protocol.md §3.1). It reports false when the coordinator could not be asked
// or answered wrongly (a failure it records): the call then proceeds uninstrumented.
//
// A coordinator that names its execution in the answer is not asked again: each
// create then says which execution the call's clocks belong to, and the coordinator
// answers a stale one instead of recording the call (see create).
func (c *config) askNewTestExecution(service string) bool {
	if c.noServer || c.extended.Load() {
		return true
	}
	var out struct {
		New       *bool  `json:"new-test-execution"`
		Execution *int64 `json:"execution"`
	}
	err := c.callWithHeader(http.MethodGet, "/filibuster/new-test-execution/"+service,
		headerExtensions, extensionExecution, nil, &out)
	if err != nil || out.New == nil {
		if err == nil {
			c.failed(errMalformed("new-test-execution"))
		}
		return false
	}
	switch {
	case out.Execution != nil:
		states.join(service, *out.Execution, *out.New)
		c.extended.Store(true)
	case *out.New:
		states.newTestExecution(service)
	}
	return true
}

// create advances in's clocks for a call service makes, whose execution-index key is
// key, and reports the call with PUT /filibuster/create, payload describing it; it
// returns the call's vector clock, execution index and the coordinator's answer. ok is
// false when the call is to go ahead uninstrumented: the coordinator could not be
// reached or answered wrongly (a failure recorded), or twice said the call's
// execution was not its current one. When replaying a counterexample or with server
// communication off, the answer is made here.
//
// When the coordinator names its executions, payload names the one the clocks were
// advanced in; if that is not the current one, the coordinator records nothing and
// names the current one, and the clocks are forgotten, as a new test execution
// forgets them, and advanced again for one more create.
func (c *config) create(in *incoming, service, key string, payload *createPayload) (vc *vclock, ei executionIndex, answer createAnswer, ok bool) {
	if !c.askNewTestExecution(service) {
		return nil, nil, answer, false
	}
	for retried := false; ; retried = true {
		var execution int64
		vc, ei, execution = states.advance(in, service, key)
		switch {
		case c.replay != nil:
			return vc, ei, c.replay.answer(ei), true
		case c.noServer:
			return vc, ei, createAnswer{ExecutionIndex: ei.String()}, true
		}
		extended := c.extended.Load()
		payload.VClock, payload.ExecutionIndex = vc, ei.String()
		payload.Execution = nil
		if extended {
			payload.Execution = &execution
		}
		answer = createAnswer{}
		if err := c.call(http.MethodPut, "/filibuster/create", payload, &answer); err != nil {
			return nil, nil, answer, false
		}
		if extended && answer.NewTestExecution && answer.Execution != nil && answer.GeneratedID == nil {
			states.renew(service, execution, *answer.Execution)
			if !retried {
				continue
			}
			// The executions moved on twice while this call was being reported: it
			// belongs to none that is still running.
			return nil, nil, answer, false
		}
		if answer.GeneratedID == nil {
			c.failed(errMalformed("create"))
			return nil, nil, answer, false
		}
		return vc, ei, answer, true
	}
}

// send reports one call to the coordinator, sends it with do unless the coordinator
// makes it fail, and reports its outcome. c is the client the call is made with (for
// its timeout); do sends a request without instrumenting it again.
func send(cfg *config, site Site, scope any, c *http.Client, req *http.Request, do func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	in := states.lookup(scope, req)
	service := in.serviceName()
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	origin := in.origin
	if origin == nil {
		origin = newVClock()
	}
	metadata := map[string]any{}
	if t, ok := timeout(c, req); ok {
		metadata["timeout"] = t
	}
	payload := &createPayload{
		InstrumentationType: "invocation",
		SourceServiceName:   service,
		Module:              module,
		Method:              method,
		Args:                []string{urlWithoutHost(req.URL.String())},
		Kwargs:              struct{}{},
		CallsiteFile:        site.File,
		CallsiteLine:        strconv.Itoa(site.Line),
		FullTraceback:       site.ID,
		Metadata:            metadata,
		OriginVClock:        origin,
		OnGoroutine:         in.onGoroutine(),
	}
	vc, ei, answer, ok := cfg.create(in, service, callKey(site.ID, module, method, req.URL), payload)
	if !ok {
		return do(req)
	}

	out := req
	if answer.ExecutionIndex != "" {
		out = req.Clone(req.Context())
		if answer.GeneratedID != nil {
			out.Header.Set(headerGeneratedID, strconv.Itoa(*answer.GeneratedID))
		}
		clock := vc.String()
		out.Header.Set(headerVClock, clock)
		out.Header.Set(headerOriginVClock, clock)
		out.Header.Set(headerEI, answer.ExecutionIndex)
		out.Header.Set(headerRequestID, in.requestID)
		if payload.Execution != nil {
			// The callee's clocks then belong to this execution before its first call:
			// its first create is not stale (protocol.md, the execution extension). It
			// hands back its reports in its response (carry.go).
			out.Header.Set(headerExecution, strconv.FormatInt(*payload.Execution, 10))
			out.Header.Set(headerExtensions, extensionReports)
		}
	}

	var (
		resp     *http.Response
		err      error
		complete = &completePayload{
			InstrumentationType: "invocation_complete",
			GeneratedID:         answer.GeneratedID,
			ExecutionIndex:      ei.String(),
			VClock:              vc,
			Execution:           payload.Execution,
		}
	)
	switch {
	case answer.ForcedException != nil:
		f := answer.ForcedException
		if !f.abort() {
			if out == req {
				out = req.Clone(req.Context())
			}
			if secs, ok := f.sleep(); ok {
				out.Header.Set(headerForcedSleep, strconv.FormatFloat(secs, 'f', -1, 64))
			}
			if r, err := do(out); err == nil {
				cfg.takeReports(in, r.Header)
				r.Body.Close()
			}
		}
		err = injectedError(f.Name, c, req)
		metadata := f.Metadata
		if metadata == nil {
			metadata = map[string]any{}
		}
		complete.Exception = &exception{Name: f.Name, Metadata: metadata}
	case answer.FailureMetadata != nil:
		code, ok := answer.FailureMetadata.status()
		if !ok {
			err = injectedError("invalid status code "+string(answer.FailureMetadata.ReturnValue.StatusCode), c, req)
			complete.Exception = &exception{Name: "invalid_status_code", Metadata: map[string]any{}}
			break
		}
		resp = fakeResponse(code, req)
		complete.ReturnValue = newReturnValue(code, emptyDigest)
	default:
		resp, err = do(out)
		if resp != nil {
			cfg.takeReports(in, resp.Header)
			if resp.Request == out {
				resp.Request = req // the caller's own request, not the clone that carried the headers
			}
		}
		switch {
		case err != nil:
			complete.Exception = &exception{Name: errorName(err), Metadata: map[string]any{}}
		case resp.StatusCode == http.StatusSwitchingProtocols || resp.Body == nil || resp.Body == http.NoBody || method == http.MethodHead:
			// The body is the connection, or there is none: nothing to hash.
			complete.ReturnValue = newReturnValue(resp.StatusCode, emptyDigest)
		default:
			// Return the body as it is and report the call when the caller has read it
			// to its end or closed it: the caller's reads, their results and the
			// transport's end-of-body behaviour are net/http's own. A body that is
			// never read to its end nor closed is never reported complete.
			code := resp.StatusCode
			resp.Body = newDigestBody(resp.Body, func(digest string) {
				complete.ReturnValue = newReturnValue(code, digest)
				cfg.report(in, complete)
			})
			return resp, nil
		}
	}
	cfg.report(in, complete)
	return resp, err
}

// completePayload is the body of an invocation_complete update (protocol.md §3.7).
type completePayload struct {
	InstrumentationType string  `json:"instrumentation_type"`
	GeneratedID         *int    `json:"generated_id,omitempty"`
	ExecutionIndex      string  `json:"execution_index"`
	VClock              *vclock `json:"vclock"`
	// Execution is the execution the call's create named (the execution extension),
	// so that a report arriving once it is over is not taken for one of the next.
	Execution *int64 `json:"execution,omitempty"`
	// One of ReturnValue and Exception is set: a *returnValue or an *exception for a
	// net/http call, the instrumentation's values for a call it completes
	// (Invocation.Complete).
	ReturnValue any `json:"return_value,omitempty"`
	Exception   any `json:"exception,omitempty"`
}

// exception is a failed call's outcome: the fault's or error's name and metadata.
type exception struct {
	Name     string         `json:"name"`
	Metadata map[string]any `json:"metadata"`
}

// returnValue is a net/http call's outcome: its status and the md5 of its body.
type returnValue struct {
	Class      string `json:"__class__"`
	StatusCode string `json:"status_code"`
	Text       string `json:"text"`
}

func newReturnValue(code int, digest string) *returnValue {
	return &returnValue{Class: "Response", StatusCode: strconv.Itoa(code), Text: digest}
}

// report reports an invocation_complete update for a call made for in's request, unless
// server communication is off (see post).
func (c *config) report(in *incoming, complete *completePayload) {
	if c.noServer {
		return
	}
	c.post(in, complete)
}

// createPayload is the body of PUT /filibuster/create.
type createPayload struct {
	InstrumentationType string         `json:"instrumentation_type"`
	SourceServiceName   string         `json:"source_service_name"`
	Module              string         `json:"module"`
	Method              string         `json:"method"`
	Args                []string       `json:"args"`
	Kwargs              struct{}       `json:"kwargs"`
	CallsiteFile        string         `json:"callsite_file"`
	CallsiteLine        string         `json:"callsite_line"`
	FullTraceback       string         `json:"full_traceback"`
	Metadata            map[string]any `json:"metadata"`
	VClock              *vclock        `json:"vclock"`
	OriginVClock        *vclock        `json:"origin_vclock"`
	ExecutionIndex      string         `json:"execution_index"`
	// Execution is the coordinator's execution the call's clocks belong to, sent to a
	// coordinator that names its executions (see config.create). The reference
	// instrumentation does not send it.
	Execution *int64 `json:"execution,omitempty"`
	// OnGoroutine says the call was made on a goroutine its handler started, so that
	// the coordinator can order concurrent calls the same way in every execution. The
	// reference instrumentation does not send it.
	OnGoroutine bool `json:"on_goroutine,omitempty"`
}

// emptyDigest is the md5 of an empty body.
const emptyDigest = "d41d8cd98f00b204e9800998ecf8427e"

// timeout returns the call's timeout in seconds, the sooner of c.Timeout and the
// request context's deadline: a whole number of seconds as an integer, as Python
// sends it.
func timeout(c *http.Client, req *http.Request) (any, bool) {
	d := c.Timeout
	if deadline, ok := req.Context().Deadline(); ok {
		if left := time.Until(deadline); d == 0 || left < d {
			d = left
		}
	}
	if d <= 0 {
		return nil, false
	}
	secs := d.Seconds()
	if secs == math.Trunc(secs) {
		return int64(secs), true
	}
	return secs, true
}
