package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// coordinator is a filibuster-gen serve process started by the harness, behind a
// counting proxy, so that the report can show the instrumented code really talked to it.
type coordinator struct {
	url    string // the proxy's
	cmd    *exec.Cmd
	output *bytes.Buffer
	done   chan error
	proxy  *http.Server

	counts callCounts
}

// callCounts counts the requests a coordinator got, by what they report.
type callCounts struct {
	requests  atomic.Int64 // requests forwarded, of every kind
	creates   atomic.Int64 // PUT /filibuster/create: instrumented outgoing calls reported
	received  atomic.Int64 // POST /filibuster/update, request_received: instrumented handlers reached by one
	completed atomic.Int64 // POST /filibuster/update, invocation_complete: calls whose outcome was reported
}

// count records one request to the coordinator; body is its body, for an update.
func (c *callCounts) count(method, path string, body []byte) {
	c.requests.Add(1)
	switch {
	case method == http.MethodPut && path == "/filibuster/create":
		c.creates.Add(1)
	case method == http.MethodPost && path == "/filibuster/update":
		var u update
		if json.Unmarshal(body, &u) == nil {
			c.countReport(u)
		}
	case method == http.MethodPost && path == "/filibuster/updates":
		// Reports that travelled with the responses (docs/protocol.md), sent together.
		var updates []update
		if json.Unmarshal(body, &updates) == nil {
			for _, u := range updates {
				c.countReport(u)
			}
		}
	}
}

// update is what the counts read of a report to the coordinator.
type update struct {
	Type string `json:"instrumentation_type"`
}

// countReport counts one report by its type.
func (c *callCounts) countReport(r update) {
	switch r.Type {
	case "request_received":
		c.received.Add(1)
	case "invocation_complete":
		c.completed.Add(1)
	}
}

// snapshot returns the counts so far.
func (c *callCounts) snapshot() reported {
	return reported{
		Requests:  c.requests.Load(),
		Creates:   c.creates.Load(),
		Received:  c.received.Load(),
		Completed: c.completed.Load(),
	}
}

// reported is what a coordinator was told during one test run.
type reported struct {
	Requests  int64 // requests of every kind
	Creates   int64 // PUT /filibuster/create: outgoing calls
	Received  int64 // request_received updates
	Completed int64 // invocation_complete updates
}

// startCoordinator starts filibuster-gen serve on a free local port, with no analysis
// file and so no faults to inject, and waits until it accepts connections.
func (h *harness) startCoordinator(ctx context.Context) (*coordinator, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c := &coordinator{url: "http://" + addr, output: new(bytes.Buffer), done: make(chan error, 1)}
	c.cmd = exec.CommandContext(ctx, h.gen, "serve", "--addr", addr)
	c.cmd.Dir = h.tmp
	c.cmd.Env = h.env()
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting filibuster-gen serve: %w", err)
	}
	go func() { c.done <- c.cmd.Wait() }()

	deadline := time.Now().Add(15 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			if err := c.startProxy(addr); err != nil {
				c.kill()
				return nil, err
			}
			return c, nil
		}
		select {
		case err := <-c.done:
			return nil, fmt.Errorf("filibuster-gen serve --addr %s exited: %v: %s", addr, err, strings.TrimSpace(c.output.String()))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.kill()
			return nil, fmt.Errorf("filibuster-gen serve --addr %s: not accepting connections after 15s: %s", addr, strings.TrimSpace(c.output.String()))
		}
	}
}

// startProxy serves a reverse proxy to the coordinator at addr on a free local port,
// counting requests, and sets c.url to it.
func (c *coordinator) startProxy(addr string) error {
	target, err := url.Parse("http://" + addr)
	if err != nil {
		return fmt.Errorf("coordinator address: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the coordinator proxy: %w", err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	// Keep a connection to the coordinator for every caller a parallel suite has at
	// once (http.DefaultTransport keeps two), so that the proxy adds no dial to a call.
	rp.Transport = &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
	}
	c.proxy = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/filibuster/stream") {
			// No streams (docs/protocol.md, the stream extension) through the proxy:
			// the runtime then sends every request by HTTP, and each is counted here.
			http.NotFound(w, r)
			return
		}
		var body []byte
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/filibuster/update") && r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				http.Error(w, "reading the update: "+err.Error(), http.StatusBadRequest)
				return
			}
			r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		c.counts.count(r.Method, r.URL.Path, body)
		rp.ServeHTTP(w, r)
	})}
	go c.proxy.Serve(l)
	c.url = "http://" + l.Addr().String()
	return nil
}

// stop interrupts the coordinator and waits for it to exit, killing it after five
// seconds. A coordinator that had exited on its own before stop is an error.
func (c *coordinator) stop() error {
	c.proxy.Close()
	select {
	case err := <-c.done:
		return fmt.Errorf("filibuster-gen serve exited during the tests: %v: %s", err, strings.TrimSpace(c.output.String()))
	default:
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		c.kill()
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-time.After(5 * time.Second):
		c.kill()
		return fmt.Errorf("filibuster-gen serve did not exit within 5s of an interrupt; killed")
	}
}

// kill kills the coordinator's process group and waits for it.
func (c *coordinator) kill() {
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// freeAddr returns a local address with a port nothing listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
