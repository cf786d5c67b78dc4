package runtime

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// relay serves a handler that calls next's /x with ClientGet from site, reads the
// answer to its end and then answers with it, as services written the usual way do.
func relay(t *testing.T, name string, site Site, next func() string) *service {
	return startService(t, name, func(s *service, w http.ResponseWriter, r *http.Request) {
		resp, err := ClientGet(site, r, http.DefaultClient, next()+"/x")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if v := resp.Header.Get(headerReports); v != "" {
			t.Errorf("%s's handler saw its callee's reports: %s", name, v)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Write(body)
	})
}

// warmUp runs one request through u, so that the process knows its coordinator speaks
// the extensions, and starts the next execution.
func warmUp(t *testing.T, coord *extendedCoordinator, u string) {
	t.Helper()
	get(t, u)
	coord.newExecution()
}

// TestReportsTravelWithResponses drives the functional test -> A -> B -> C, each
// handler reading its callee's answer before it answers: the creates go to the
// coordinator as they are made, and every report travels back with the responses and
// arrives in one request from A, before A answers, in the order the reports were made
// at each hop (a callee's request_received before its caller's invocation_complete). No
// handler and not the functional test sees the reports' header.
func TestReportsTravelWithResponses(t *testing.T) {
	coord := startExtendedCoordinator(t)
	var c, b, a *service
	c = startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "c-body")
	})
	b = relay(t, "B", siteBC, func() string { return c.url })
	a = relay(t, "A", siteAB, func() string { return b.url })
	warmUp(t, coord, a.url+"/a")

	resp, err := http.Get(a.url + "/a")
	if err != nil {
		t.Fatal(err)
	}
	got := coord.exchanges() // before the body is read: A sent them before answering
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "c-body" || resp.Header.Get(headerReports) != "" {
		t.Errorf("A answered %q with reports %q", body, resp.Header.Get(headerReports))
	}
	want := []string{
		"PUT /filibuster/create 1", // A's call, its clocks of the last execution: stale
		"PUT /filibuster/create 2", // A -> B
		"PUT /filibuster/create 2", // B -> C
		"POST /filibuster/updates request_received B",
		"POST /filibuster/updates request_received C",
		"POST /filibuster/updates invocation_complete " + ei(urlKey(siteAB.ID, "GET", b.url+"/x"), 1, urlKey(siteBC.ID, "GET", c.url+"/x"), 1),
		"POST /filibuster/updates invocation_complete " + ei(urlKey(siteAB.ID, "GET", b.url+"/x"), 1),
	}
	if got := describeReports(got); !equalStrings(got, want) {
		t.Errorf("the coordinator got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// describeReports is paths, with each report's target service or execution index.
func describeReports(xs []exchange) []string {
	out := paths(xs)
	for i, x := range xs {
		switch x.body["instrumentation_type"] {
		case "request_received":
			out[i] += fmt.Sprint(" ", x.body["target_service_name"])
		case "invocation_complete":
			out[i] += fmt.Sprint(" ", x.body["execution_index"])
		}
	}
	return out
}

// TestReportsSentWhenTheyCannotTravel checks that the reports of a handler whose
// response will not carry them are sent by the handler itself, before its response
// (or what takes its place) goes out, so that the coordinator has them before the
// caller goes on: when the handler panics, hijacks the connection, answers a caller
// that has given up on it, or has more reports than a header should carry; and that a
// handler slower than maxHold sends them then, so that they are there when its caller
// gives up on it.
func TestReportsSentWhenTheyCannotTravel(t *testing.T) {
	coord := startExtendedCoordinator(t)
	c := startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "c-body")
	})
	var mu sync.Mutex
	var sentBeforeCallerSaw []exchange // what the coordinator had when B's caller got an answer
	callC := func(r *http.Request, n int) {
		for range n {
			resp, err := ClientGet(siteBC, r, http.DefaultClient, c.url+"/x")
			if err != nil {
				t.Error(err)
				return
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
		}
	}
	b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			callC(r, 1)
			panic(http.ErrAbortHandler)
		case "/hijack":
			callC(r, 1)
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
			brw.Flush()
			conn.Close()
		case "/gone":
			callC(r, 1)
			<-r.Context().Done() // the caller gave up
		case "/slow":
			callC(r, 1)
			time.Sleep(400 * time.Millisecond) // past the caller's patience
		case "/many":
			callC(r, 40)
			io.WriteString(w, "many")
		case "/one":
			callC(r, 1)
			io.WriteString(w, "one")
		}
	})
	// carried records, by path, the size of the reports B's responses carried, as A's
	// transport receives them (before the runtime takes them off).
	var carried sync.Map
	transport := carriedBy(&carried)
	a := startService(t, "A", func(s *service, w http.ResponseWriter, r *http.Request) {
		client := &http.Client{Transport: transport}
		if r.URL.Path == "/gone" || r.URL.Path == "/slow" {
			client.Timeout = 100 * time.Millisecond
		}
		resp, err := ClientGet(siteAB, r, client, b.url+r.URL.Path)
		if err == nil {
			io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if r.URL.Path == "/gone" {
			time.Sleep(100 * time.Millisecond) // B sees its caller gone and sends
		}
		mu.Lock()
		sentBeforeCallerSaw = coord.exchanges()
		mu.Unlock()
		io.WriteString(w, "a")
	})
	warmUp(t, coord, a.url+"/many")

	for _, path := range []string{"/panic", "/hijack", "/gone", "/slow", "/many"} {
		t.Run(path[1:], func(t *testing.T) {
			if path != "/slow" {
				defer func(d time.Duration) { maxHold = d }(maxHold)
				maxHold = time.Hour // what is tested is not the bound
			}
			coord.newExecution()
			get(t, a.url+path)
			mu.Lock()
			got := describeReports(sentBeforeCallerSaw)
			mu.Unlock()
			received := 0
			for _, g := range got {
				if strings.Contains(g, "request_received") {
					received++
				}
			}
			completes := strings.Count(strings.Join(got, "\n"), "invocation_complete "+ei(urlKey(siteAB.ID, "GET", b.url+path), 1, urlKey(siteBC.ID, "GET", c.url+"/x"), 1))
			wantCalls := 1
			if path == "/many" {
				wantCalls = 40
			}
			// B's request_received and each of its calls' C's and complete. (A panic
			// closes the connection, and net/http's client sends the GET once more.)
			if received < 1+wantCalls || completes < 1 {
				t.Errorf("before A went on, the coordinator had\n%s\nwant B's and C's request_received (%d) and B's reports", strings.Join(got, "\n"), 1+wantCalls)
			}
			if n, _ := carried.Load(path); n != nil && n.(int) != 0 {
				t.Errorf("B's response carried %d bytes of reports, want none", n)
			}
		})
	}
	// What fits in a header travels in it.
	coord.newExecution()
	get(t, a.url+"/one")
	if n, _ := carried.Load("/one"); n == nil || n.(int) == 0 || n.(int) > maxCarried {
		t.Errorf("B's response to /one carried %v bytes of reports, want some, at most %d", n, maxCarried)
	}
}

// carriedBy returns a transport that records in m, by path, the size of each
// response's headerReports.
func carriedBy(m *sync.Map) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err == nil {
			m.Store(req.URL.Path, len(resp.Header.Get(headerReports)))
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestHoldingWriterKeepsNetHTTPs checks that a handler whose request holds reports
// still has everything net/http's writer gives it, directly and through
// http.ResponseController, and that a flush releases the reports; and that a writer
// that is not net/http's for HTTP/1 (here a recorder) holds nothing: its reports are
// sent as they are made.
func TestHoldingWriterKeepsNetHTTPs(t *testing.T) {
	coord := startExtendedCoordinator(t)
	var checked bool
	b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*holdingWriter); !ok {
			t.Errorf("B's writer is %T, want the runtime's", w)
		}
		_, isFlusher := w.(http.Flusher)
		_, isHijacker := w.(http.Hijacker)
		_, isReaderFrom := w.(io.ReaderFrom)
		if !isFlusher || !isHijacker || !isReaderFrom {
			t.Errorf("B's writer: Flusher %t, Hijacker %t, ReaderFrom %t", isFlusher, isHijacker, isReaderFrom)
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Error(err)
		}
		if err := rc.EnableFullDuplex(); err != nil {
			t.Error(err)
		}
		io.WriteString(w, "b")
		if err := rc.Flush(); err != nil {
			t.Error(err)
		}
		checked = true
	})
	a := relay(t, "A", siteAB, func() string { return b.url })
	warmUp(t, coord, a.url+"/a")
	if got := get(t, a.url+"/a"); got != "b" || !checked {
		t.Fatalf("A answered %q", got)
	}
	if n := strings.Count(strings.Join(describeReports(coord.exchanges()), "\n"), "request_received B"); n != 1 {
		t.Errorf("B's request_received arrived %d times, want once", n)
	}

	// The same handler called in-process with a recorder.
	coord.newExecution()
	h := &handler{service: "R", next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*holdingWriter); ok {
			t.Error("a recorder was wrapped")
		}
	})}
	req, _ := http.NewRequest("GET", "/r", nil)
	req.Header.Set(headerEI, ei("k", 1))
	req.Header.Set(headerGeneratedID, "0")
	req.Header.Set(headerExecution, "3")
	req.Header.Set(headerExtensions, extensionReports)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := paths(coord.exchanges()); !equalStrings(got, []string{"POST /filibuster/update request_received"}) {
		t.Errorf("the recorder's handler sent %v, want its request_received at once", got)
	}
}
