package deploy

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeProcess returns a process that has not exited, whose output is in a file of dir.
func fakeProcess(t *testing.T, name string) *process {
	t.Helper()
	log := filepath.Join(t.TempDir(), name+".log")
	if err := os.WriteFile(log, []byte(name+": starting\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &process{name: name, log: log, done: make(chan struct{})}
}

// freeAddr returns an address of 127.0.0.1 that nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestWaitHealthyTCP starts listening on a service's address only after waitHealthy
// began polling it with the TCP health check, and checks that waitHealthy returns once,
// and only once, the address accepts connections, having connected to it.
func TestWaitHealthyTCP(t *testing.T) {
	addr := freeAddr(t)
	svc := Service{Name: "quotes", HealthCheck: TCPHealthCheck}
	const delay = 300 * time.Millisecond

	var listening atomic.Bool
	accepted := make(chan struct{})
	go func() {
		time.Sleep(delay)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listening late on %s: %v", addr, err)
			return
		}
		defer ln.Close()
		listening.Store(true)
		c, err := ln.Accept()
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		c.Close()
		close(accepted)
	}()

	start := time.Now()
	err := waitHealthy(context.Background(), fakeProcess(t, svc.Name), "http://"+addr+svc.healthPath(), 10*time.Second)
	if err != nil {
		t.Fatalf("waitHealthy: %v", err)
	}
	if !listening.Load() {
		t.Errorf("waitHealthy returned after %v, before %s was listened on (after %v)", time.Since(start), addr, delay)
	}
	select {
	case <-accepted:
	case <-time.After(5 * time.Second):
		t.Error("waitHealthy returned without having connected to the service")
	}
}

// TestWaitHealthyTCPNotHTTP checks the TCP health check against a server that accepts
// connections but speaks no HTTP, as a gRPC server does not speak HTTP/1: it is up for
// "tcp:" and never answers the HTTP health check.
func TestWaitHealthyTCPNotHTTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	base := "http://" + ln.Addr().String()

	tcp := Service{Name: "quotes", HealthCheck: TCPHealthCheck}
	if err := waitHealthy(context.Background(), fakeProcess(t, "quotes"), base+tcp.healthPath(), 5*time.Second); err != nil {
		t.Errorf("TCP health check: %v", err)
	}
	web := Service{Name: "quotes"}
	err = waitHealthy(context.Background(), fakeProcess(t, "quotes"), base+web.healthPath(), 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not answer "+base+"/health-check within") {
		t.Errorf("HTTP health check of a server that speaks no HTTP: %v; want it to time out", err)
	}
}

// TestWaitHealthyTCPTimeout checks that the TCP health check of an address nothing
// listens on fails after its timeout, naming the address and giving the service's
// output.
func TestWaitHealthyTCPTimeout(t *testing.T) {
	addr := freeAddr(t)
	start := time.Now()
	err := waitHealthy(context.Background(), fakeProcess(t, "quotes"), "http://"+addr, 200*time.Millisecond)
	if err == nil {
		t.Fatalf("waitHealthy of %s, where nothing listens, succeeded", addr)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("waitHealthy gave up after %v, before its timeout", d)
	}
	for _, want := range []string{"quotes did not accept a TCP connection on " + addr, "quotes: starting"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

// TestWaitHealthyExited checks that waitHealthy stops waiting for a service that
// exited, whichever its health check.
func TestWaitHealthyExited(t *testing.T) {
	addr := freeAddr(t)
	for _, path := range []string{"", "/health-check"} {
		p := fakeProcess(t, "quotes")
		p.err = os.ErrProcessDone
		close(p.done)
		err := waitHealthy(context.Background(), p, "http://"+addr+path, 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), "quotes exited before answering its health check") {
			t.Errorf("health check %q of an exited service: %v; want it reported as exited", path, err)
		}
	}
}

// TestWaitHealthyHTTP checks the HTTP health check: it is polled until it answers 200.
func TestWaitHealthyHTTP(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ready" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	svc := Service{Name: "gateway", HealthCheck: "/ready"}
	if err := waitHealthy(context.Background(), fakeProcess(t, svc.Name), srv.URL+svc.healthPath(), 10*time.Second); err != nil {
		t.Fatalf("waitHealthy: %v", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("/ready polled %d times; want 3 (two 503s, then 200)", n)
	}
}

// TestHealthCheckConfig checks which health_check values filibuster.json accepts.
func TestHealthCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"", true},
		{"/health-check", true},
		{"/ready?full=1", true},
		{"tcp:", true},
		{"tcp", false},
		{"health-check", false},
		{"http://127.0.0.1:1/health-check", false},
	} {
		dir := t.TempDir()
		cfg := `{"services": [{"name": "quotes", "package": "./quotes", "health_check": "` + tc.value + `"}],
			"entry": "quotes", "functional_test": "./functional"}`
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(dir)
		if tc.ok && err != nil {
			t.Errorf("health_check %q: %v", tc.value, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "health_check")) {
			t.Errorf("health_check %q: %v; want an error naming health_check", tc.value, err)
		}
	}
}
