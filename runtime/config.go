package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// config is the runtime's configuration, read from the environment once.
type config struct {
	active   bool   // instrumentation is on (a coordinator or a counterexample is set)
	url      string // FILIBUSTER_URL, without a trailing slash
	noServer bool   // FILIBUSTER_DISABLE_SERVER_COMMUNICATION
	replay   *counterexample
	client   *http.Client // for the coordinator: never instrumented
}

var (
	cfg         atomic.Pointer[config]
	cfgMu       sync.Mutex
	defaultName atomic.Pointer[string]
	warned      atomic.Bool
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
		client: &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				Proxy:               nil,
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
				MaxIdleConnsPerHost: 16,
				IdleConnTimeout:     30 * time.Second,
			},
		},
	}
	if path := os.Getenv("FILIBUSTER_COUNTEREXAMPLE_FILE"); path != "" {
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

// reset forgets the configuration and all request state; tests call it after changing
// the environment.
func reset() {
	cfgMu.Lock()
	cfg.Store(nil)
	cfgMu.Unlock()
	warned.Store(false)
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

// warn logs the first problem with the coordinator; later ones are silent, and the
// service goes on uninstrumented for that call.
func warn(err error) {
	if warned.CompareAndSwap(false, true) {
		log.Printf("filibuster: coordinator unavailable, calls proceed uninstrumented: %v", err)
	}
}

// call sends one request to the coordinator and decodes its JSON answer into out.
func (c *config) call(method, path string, in, out any) error {
	if c.url == "" {
		return errNotConfigured
	}
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %.200s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: malformed answer %.200q: %w", method, path, data, err)
		}
	}
	return nil
}

// WasFaultInjected reports whether the coordinator injected at least one fault in the
// current test execution. Functional tests use it for conditional assertions. It is
// false when the runtime is inert or the coordinator cannot be reached; when replaying
// a counterexample it reports whether the counterexample injects faults.
func WasFaultInjected() bool { return faultInjected("/filibuster/fault-injected") }

// WasFaultInjectedOn reports whether a fault of the current test execution is on a call
// to service.
func WasFaultInjectedOn(service string) bool {
	return faultInjected("/filibuster/fault-injected/" + service)
}

func faultInjected(path string) bool {
	c := current()
	if c.replay != nil {
		return len(c.replay.failures) > 0
	}
	if !c.active {
		return false
	}
	var out struct {
		Result bool `json:"result"`
	}
	if err := c.call(http.MethodGet, path, nil, &out); err != nil {
		warn(err)
		return false
	}
	return out.Result
}
