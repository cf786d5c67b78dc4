package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is the runtime's configuration, read from the environment once.
type config struct {
	active   bool   // instrumentation is on (a coordinator or a counterexample is set)
	url      string // FILIBUSTER_URL, without a trailing slash
	host     string // the coordinator's host and port, as target gives them
	noServer bool   // FILIBUSTER_DISABLE_SERVER_COMMUNICATION
	replay   *counterexample
	timeout  time.Duration // of every call to the coordinator
	client   *http.Client  // for the coordinator: never instrumented
	// oneShot is for calls to the coordinator made inside a testing/synctest bubble:
	// a connection dialled there belongs to the bubble, so it is closed after the call
	// instead of being kept for reuse outside it (see inBubble).
	oneShot *http.Client
	// streams, when the coordinator is reached by plain HTTP, are the upgraded
	// connections its requests travel on if it offers them (stream.go).
	streams *streams

	// names maps the host and port of each of the application's services, as target
	// gives them, to its name (FILIBUSTER_TARGETS), for the execution-index keys.
	names map[string]string

	failures atomic.Int32 // consecutive failed calls to the coordinator
	off      atomic.Bool  // the coordinator is given up on: run uninstrumented
	// extended says the coordinator advertised the extensions of protocol.md
	// ("Extensions our coordinator advertises"): it named its execution in an answer
	// to new-test-execution. It is never unset: the coordinator is the same one for
	// the life of the process.
	extended atomic.Bool
}

// Defaults of the coordinator calls' bounds (see FILIBUSTER_TIMEOUT in the package doc).
const (
	defaultTimeout = 5 * time.Second
	// maxFailures consecutive failed calls to the coordinator turn instrumentation off
	// for the rest of the process. A call that times out does at once: a coordinator
	// that accepts connections but never answers would otherwise slow every request.
	maxFailures = 3
)

var (
	cfg         atomic.Pointer[config]
	cfgMu       sync.Mutex
	defaultName atomic.Pointer[string]
)

// current returns the configuration, reading the environment on first use. The
// common, inert case is one atomic load.
func current() *config {
	if c := cfg.Load(); c != nil {
		return c
	}
	cfgMu.Lock()
	defer cfgMu.Unlock()
	if c := cfg.Load(); c != nil {
		return c
	}
	c := loadConfig()
	cfg.Store(c)
	return c
}

func loadConfig() *config {
	c := &config{
		url:      strings.TrimRight(os.Getenv("FILIBUSTER_URL"), "/"),
		noServer: truthy(os.Getenv("FILIBUSTER_DISABLE_SERVER_COMMUNICATION")),
		timeout:  defaultTimeout,
	}
	if s := os.Getenv("FILIBUSTER_TIMEOUT"); s != "" {
		d, err := parseTimeout(s)
		if err != nil {
			log.Printf("filibuster: FILIBUSTER_TIMEOUT=%q: %v; using %s", s, err, defaultTimeout)
		} else {
			c.timeout = d
		}
	}
	if c.url != "" {
		if u, err := url.Parse(c.url); err == nil && u.Host != "" {
			c.host = target(u)
			if u.Scheme == "http" {
				c.streams = &streams{host: c.host, base: u.Path, timeout: c.timeout}
			}
		} else {
			log.Printf("filibuster: FILIBUSTER_URL=%q is not an absolute URL; instrumentation is off", c.url)
			return &config{}
		}
	}
	c.client = &http.Client{
		Timeout: c.timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: c.timeout}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	c.oneShot = &http.Client{
		Timeout: c.timeout,
		Transport: &http.Transport{
			Proxy:             nil,
			DialContext:       (&net.Dialer{Timeout: c.timeout}).DialContext,
			DisableKeepAlives: true,
		},
	}
	c.names = parseTargets(os.Getenv("FILIBUSTER_TARGETS"))
	path := os.Getenv("FILIBUSTER_COUNTEREXAMPLE_FILE")
	if path == "" {
		path = os.Getenv("COUNTEREXAMPLE_FILE") // the reference instrumentation's name
	}
	if path != "" {
		ce, err := readCounterexample(path)
		if err != nil {
			log.Printf("filibuster: %v; instrumentation is off", err)
			return &config{}
		}
		c.replay = ce
		c.noServer = true
	}
	c.active = c.url != "" || c.replay != nil
	return c
}

// inBubble reports whether the calling goroutine runs inside a testing/synctest bubble,
// whose fake clock starts at midnight UTC, 2000-01-01 (as the package documents) and
// moves only as its goroutines sleep. A clock before 2001 is taken for a bubble's; at
// worst a call then gives up a kept-alive connection.
func inBubble() bool { return time.Now().Before(bubbleEpochEnd) }

var bubbleEpochEnd = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// parseTimeout reads a duration ("500ms", "2s") or a number of seconds ("2", "0.5").
func parseTimeout(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, fmt.Errorf("not a duration or a number of seconds")
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("not positive")
	}
	return d, nil
}

// isCoordinator reports whether a request to u goes to the coordinator: such calls,
// a functional test's questions among them, pass through uninstrumented.
func (c *config) isCoordinator(u *url.URL) bool {
	return c.host != "" && u.Host != "" && target(u) == c.host
}

// reset forgets the configuration and all request state; tests call it after changing
// the environment.
func reset() {
	cfgMu.Lock()
	if c := cfg.Load(); c != nil && c.streams != nil {
		c.streams.closeIdle()
	}
	cfg.Store(nil)
	cfgMu.Unlock()
	badHeaders.Store(false)
	states.reset()
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// SetDefaultServiceName names the service this process is. Generated code calls it from
// an init function in each main package; FILIBUSTER_SERVICE_NAME, when set, wins.
func SetDefaultServiceName(name string) { defaultName.Store(&name) }

// serviceName is the name this process reports to the coordinator.
func serviceName() string {
	if name := os.Getenv("FILIBUSTER_SERVICE_NAME"); name != "" {
		return name
	}
	if p := defaultName.Load(); p != nil {
		return *p
	}
	return "unknown"
}

// failed records a failed call to the coordinator. The first failure is logged; a
// timeout, or maxFailures failures in a row, turn instrumentation off for the rest of
// the process, with one more line saying so. Each failed call proceeds uninstrumented.
func (c *config) failed(err error) {
	n := c.failures.Add(1)
	if n == 1 {
		log.Printf("filibuster: coordinator call failed, the call proceeds uninstrumented: %v", err)
	}
	var netErr net.Error
	timedOut := errors.As(err, &netErr) && netErr.Timeout()
	if (timedOut || n >= maxFailures) && c.off.CompareAndSwap(false, true) {
		why := fmt.Sprintf("%d calls in a row failed", n)
		if timedOut {
			why = fmt.Sprintf("it did not answer within %s (FILIBUSTER_TIMEOUT)", c.timeout)
		}
		log.Printf("filibuster: giving up on the coordinator at %s: %s; this process now runs uninstrumented", c.url, why)
	}
}

// instrumenting reports whether calls are to be instrumented: the runtime is active
// and has not given up on the coordinator.
func (c *config) instrumenting() bool { return c.active && !c.off.Load() }

// call sends one request to the coordinator and decodes its JSON answer into out.
func (c *config) call(method, path string, in, out any) error {
	return c.callWithHeader(method, path, "", "", in, out)
}

// callWithHeader is call with one more request header, key: value, when key is not "".
func (c *config) callWithHeader(method, path, key, value string, in, out any) error {
	if c.url == "" {
		return errNotConfigured
	}
	if c.off.Load() {
		return errGivenUp
	}
	var data []byte
	if in != nil {
		var err error
		if data, err = json.Marshal(in); err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
	}
	if err := c.request(method, path, key, value, data, out); err != nil {
		c.failed(err)
		return err
	}
	c.failures.Store(0)
	return nil
}

// request sends one request to the coordinator, on a stream when it offers them and by
// HTTP otherwise, and decodes its JSON answer into out. data is the request's body,
// nil for none.
func (c *config) request(method, path, key, value string, data []byte, out any) error {
	if c.streams != nil && !inBubble() {
		status, answer, err := c.streams.roundTrip(method, path, key, value, data)
		if err != errNoStreams {
			if err != nil {
				return fmt.Errorf("%s %s: %w", method, path, err)
			}
			return decodeAnswer(method, path, status, answer, out)
		}
	}
	var body io.Reader
	if data != nil {
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set(key, value)
	}
	client := c.client
	if inBubble() {
		client = c.oneShot
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	return decodeAnswer(method, path, resp.StatusCode, answer, out)
}

// decodeAnswer decodes the coordinator's answer to method path, with status, into out.
func decodeAnswer(method, path string, status int, answer []byte, out any) error {
	if status != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s: %.200s", method, path, status, http.StatusText(status), answer)
	}
	if out != nil {
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("%s %s: malformed answer %.200q: %w", method, path, answer, err)
		}
	}
	return nil
}

// WasFaultInjected reports whether the coordinator injected at least one fault in the
// current test execution. Functional tests use it for conditional assertions. It is
// false when the runtime is inert or the coordinator cannot be reached; when replaying
// a counterexample it reports whether the counterexample injects faults.
func WasFaultInjected() bool { return faultInjected("") }

// WasFaultInjectedOn reports whether a fault of the current test execution is on a call
// to service. When replaying a counterexample, it answers from the services the
// counterexample names for its faulted calls, as the exploration that wrote it did.
func WasFaultInjectedOn(service string) bool { return faultInjected(service) }

func faultInjected(service string) bool {
	c := current()
	if c.replay != nil {
		return c.replay.faultInjectedOn(service)
	}
	if !c.instrumenting() {
		return false
	}
	path := "/filibuster/fault-injected"
	if service != "" {
		path += "/" + url.PathEscape(service)
	}
	var out struct {
		Result bool `json:"result"`
	}
	if err := c.call(http.MethodGet, path, nil, &out); err != nil {
		return false
	}
	return out.Result
}

// parseTargets parses FILIBUSTER_TARGETS, "name=host:port,name=host:port", into a map
// from each host and port (as target gives them) to its name. A malformed entry is
// logged and left out.
func parseTargets(s string) map[string]string {
	if s == "" {
		return nil
	}
	names := make(map[string]string)
	for _, entry := range strings.Split(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(entry), "=")
		host, port, err := net.SplitHostPort(addr)
		if !ok || name == "" || err != nil || port == "" {
			log.Printf("filibuster: FILIBUSTER_TARGETS: %q is not name=host:port; left out", entry)
			continue
		}
		names[net.JoinHostPort(strings.ToLower(host), port)] = name
	}
	return names
}
