package runtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Reports travel with the responses (protocol.md, "Reports travel with the
// responses"): while a handler runs, the request_received and invocation_complete
// reports made for its request are held instead of sent. When its response is about to
// go out, a service that was called by one of ours hands them to its caller in the
// response's headerReports, and the caller holds them with its own; the service the
// functional test called sends them all in one request before it answers. Whatever
// cannot travel that way is sent as it always was, before the call or response it
// belongs to goes on.
const (
	// headerReports, on a response, holds the callee's reports as a JSON array.
	headerReports = "X-Filibuster-Reports"
	// extensionReports, in a call's headerExtensions, says the caller takes them.
	extensionReports = "reports"
	// maxCarried bounds headerReports, which proxies between services may limit: more
	// reports than this are sent by the callee.
	maxCarried = 8 << 10
)

// maxHold bounds how long a handler holds its reports: one that runs longer sends them
// then, and the rest as it makes them, so that a callee its caller gives up on still
// has its request_received recorded on time, as it would be sent at once. (A variable
// for the tests.)
var maxHold = 10 * time.Millisecond

// held keeps the reports made for one request while its handler runs.
type held struct {
	mu     sync.Mutex
	items  []json.RawMessage
	closed bool
}

// add keeps items unless the reports were released already; it reports whether it
// did. A nil held keeps nothing.
func (h *held) add(items ...json.RawMessage) bool {
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.items = append(h.items, items...)
	return true
}

// release returns the reports kept, and keeps no more; ok is false when they were
// released already.
func (h *held) release() (items []json.RawMessage, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	h.closed = true
	return h.items, true
}

// post reports one request_received or invocation_complete for in's request: it is
// held while in's handler runs and holds reports, and sent now otherwise. A failure
// is recorded by call.
func (c *config) post(in *incoming, report any) {
	if in != nil && in.held != nil {
		data, err := json.Marshal(report)
		if err == nil && in.held.add(data) {
			return
		}
	}
	c.call(http.MethodPost, "/filibuster/update", report, nil)
}

// postAll sends reports in one request to our coordinator.
func (c *config) postAll(items []json.RawMessage) {
	if len(items) > 0 {
		c.call(http.MethodPost, "/filibuster/updates", items, nil)
	}
}

// takeReports takes the reports a callee sent back in the headers of its response h,
// removing them, and holds them for in's request, or sends them when in holds none:
// either way before the call's own outcome, and before the response goes on to the
// code that made the call.
func (c *config) takeReports(in *incoming, h http.Header) {
	v := h.Get(headerReports)
	if v == "" {
		return
	}
	h.Del(headerReports)
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(v), &items); err != nil {
		if badHeaders.CompareAndSwap(false, true) {
			log.Printf("filibuster: ignoring malformed Filibuster headers (logged once): %s: %v", headerReports, err)
		}
		return
	}
	if !in.held.add(items...) {
		c.postAll(items)
	}
}

// holding returns the ResponseWriter through which a handler serving r for in, which
// holds reports, writes its response: it releases them when the response is about to
// go out. It returns nil, and makes in hold nothing, when w is not net/http's own for
// HTTP/1 (its Flush, Hijack and the other methods, which the writer must keep), as
// then when its response goes out cannot be told.
func (c *config) holding(in *incoming, w http.ResponseWriter, r *http.Request) *holdingWriter {
	if r.ProtoMajor != 1 || !isHTTP1Writer(w) {
		in.held = nil
		return nil
	}
	hw := &holdingWriter{ResponseWriter: w, c: c, in: in, ctx: r.Context().Done()}
	hw.mu.Lock() // the timer's release waits for it to be set
	hw.timer = time.AfterFunc(maxHold, func() { hw.release(false) })
	hw.mu.Unlock()
	return hw
}

// http1Writer is what net/http's ResponseWriter for HTTP/1 implements.
type http1Writer interface {
	http.ResponseWriter
	http.Flusher
	http.Hijacker
	io.ReaderFrom
	io.StringWriter
	FlushError() error
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
	EnableFullDuplex() error
	CloseNotify() <-chan bool
}

func isHTTP1Writer(w http.ResponseWriter) bool {
	_, ok := w.(http1Writer)
	return ok
}

// holdingWriter is net/http's HTTP/1 ResponseWriter, releasing the reports its
// handler's request holds before the response goes out: before the status line of a
// final status, the first write, a flush or a hijack, or, when the handler wrote
// nothing, once it returns; or once it has run for maxHold.
type holdingWriter struct {
	http.ResponseWriter
	c     *config
	in    *incoming
	ctx   <-chan struct{} // the request's context's Done
	timer *time.Timer     // releases at maxHold
	mu    sync.Mutex      // held while releasing: the response waits for the reports
	done  atomic.Bool     // released
}

// release hands the held reports to the caller in headerReports when the caller
// takes them, is still there and they are not too many, and sends them otherwise;
// inHeader is false when no header will go out (a hijack, a handler that panicked,
// one that ran for maxHold). It returns once they are on their way.
func (w *holdingWriter) release(inHeader bool) {
	if w.done.Load() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done.Load() {
		return
	}
	defer w.done.Store(true)
	w.timer.Stop()
	items, ok := w.in.held.release()
	if !ok || len(items) == 0 {
		return
	}
	if inHeader && w.in.carry && !w.callerGone() {
		if v := joinJSON(items); len(v) <= maxCarried {
			w.ResponseWriter.Header().Set(headerReports, string(v))
			return
		}
	}
	w.c.postAll(items)
}

// callerGone reports whether the request's context is done: the caller went away,
// and would not read the header.
func (w *holdingWriter) callerGone() bool {
	select {
	case <-w.ctx:
		return true
	default:
		return false
	}
}

// joinJSON returns items as one JSON array.
func joinJSON(items []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func (w *holdingWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.release(true)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *holdingWriter) Write(b []byte) (int, error) {
	w.release(true)
	return w.ResponseWriter.Write(b)
}

func (w *holdingWriter) WriteString(s string) (int, error) {
	w.release(true)
	return w.ResponseWriter.(io.StringWriter).WriteString(s)
}

func (w *holdingWriter) ReadFrom(src io.Reader) (int64, error) {
	w.release(true)
	return w.ResponseWriter.(io.ReaderFrom).ReadFrom(src)
}

func (w *holdingWriter) Flush() {
	w.release(true)
	w.ResponseWriter.(http.Flusher).Flush()
}

func (w *holdingWriter) FlushError() error {
	w.release(true)
	return w.ResponseWriter.(http1Writer).FlushError()
}

func (w *holdingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.release(false)
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

func (w *holdingWriter) CloseNotify() <-chan bool {
	return w.ResponseWriter.(http1Writer).CloseNotify()
}

func (w *holdingWriter) SetReadDeadline(t time.Time) error {
	return w.ResponseWriter.(http1Writer).SetReadDeadline(t)
}

func (w *holdingWriter) SetWriteDeadline(t time.Time) error {
	return w.ResponseWriter.(http1Writer).SetWriteDeadline(t)
}

func (w *holdingWriter) EnableFullDuplex() error {
	return w.ResponseWriter.(http1Writer).EnableFullDuplex()
}

// Unwrap returns net/http's ResponseWriter, for http.ResponseController.
func (w *holdingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
