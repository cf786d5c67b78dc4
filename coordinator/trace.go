package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// tracer is an http.Handler that writes every request the coordinator receives, and its
// answer, to w as one JSON object per line: {"method", "path", "request", "response"}, the
// shape of the conformance transcripts' exchanges.
type tracer struct {
	next http.Handler
	mu   sync.Mutex
	w    io.Writer
}

// exchange is one line of a trace.
type exchange struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Request  json.RawMessage `json:"request"`
	Response json.RawMessage `json:"response"`
}

func (t *tracer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{ResponseWriter: w}
	t.next.ServeHTTP(rec, r)

	line, err := json.Marshal(exchange{
		Method:   r.Method,
		Path:     r.URL.Path,
		Request:  rawOrNull(body),
		Response: rawOrNull(rec.body.Bytes()),
	})
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w.Write(append(line, '\n'))
}

// rawOrNull returns b as JSON if it is valid JSON, else null.
func rawOrNull(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
