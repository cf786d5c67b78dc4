package coordinator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// Trace returns an http.Handler that serves next and writes every request it receives,
// and its answer, to w as one JSON object per line: {"method", "path", "request",
// "response"}, the shape of the conformance transcripts' exchanges.
func Trace(next http.Handler, w io.Writer) http.Handler { return &tracer{next: next, w: w} }

type tracer struct {
	next http.Handler
	mu   sync.Mutex
	w    io.Writer
}

// traceLine is one line of a trace.
type traceLine struct {
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

	line, err := json.Marshal(traceLine{
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
