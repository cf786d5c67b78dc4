package runtime

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// errBody yields some bytes, then an error.
type errBody struct{ sent bool }

func (b *errBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "partial"), nil
	}
	return 0, errors.New("connection reset mid-body")
}
func (b *errBody) Close() error { return nil }

// TestBodyReadErrorKept checks that a body hashed for the coordinator still gives the
// caller the error the real body gave (found by make realworld on resty).
func TestBodyReadErrorKept(t *testing.T) {
	startCoordinator(t)
	c := &http.Client{Transport: stubTransport{&http.Response{StatusCode: 200, ContentLength: 20, Body: &errBody{}, Header: http.Header{}}}}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	resp, err := ClientDo(siteRoot, nil, c, req)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	if string(data) != "partial" || err == nil || err.Error() != "connection reset mid-body" {
		t.Errorf("read %q, %v; want the partial body, then the real error", data, err)
	}
}

// TestStreamedBody checks that a streamed response is returned before it ends, and
// reported to the coordinator, with the digest of what was read, when it is closed
// (found by make realworld on goproxy's server-sent events).
func TestStreamedBody(t *testing.T) {
	coord := startCoordinator(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "event: 1\n\n")
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)

	got := make(chan string, 1)
	go func() {
		resp, err := Get(siteRoot, nil, srv.URL)
		if err != nil {
			got <- err.Error()
			return
		}
		buf := make([]byte, 10)
		n, _ := io.ReadFull(resp.Body, buf)
		resp.Body.Close()
		got <- string(buf[:n])
	}()
	select {
	case first := <-got:
		if first != "event: 1\n\n" {
			t.Fatalf("first event %q", first)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the streamed response was held back until the stream ended")
	}
	ex := coord.exchanges()
	last := ex[len(ex)-1].body
	rv, _ := last["return_value"].(map[string]any)
	if last["instrumentation_type"] != "invocation_complete" || rv["text"] != md5hex("event: 1\n\n") {
		t.Errorf("last report %v, want invocation_complete with the digest of what was read", last)
	}
}

// eofBody returns its last bytes together with io.EOF, as net/http's bodies of known
// length do, and records when it reached its end.
type eofBody struct {
	data  string
	ended *bool
}

func (b *eofBody) Read(p []byte) (int, error) {
	n := copy(p, b.data)
	b.data = b.data[n:]
	if b.data == "" {
		*b.ended = true
		return n, io.EOF
	}
	return n, nil
}
func (b *eofBody) Close() error { return nil }

// TestBodyAsTheCallerReadsIt checks that under a coordinator the caller reads the
// transport's own body: the last bytes come with io.EOF in one Read, as net/http gives
// them, and the transport sees the end of the body when the caller reads it, not
// before ClientDo returns (otelhttp ends its span there).
func TestBodyAsTheCallerReadsIt(t *testing.T) {
	coord := startCoordinator(t)
	ended := false
	c := &http.Client{Transport: stubTransport{&http.Response{StatusCode: 200, ContentLength: 5, Body: &eofBody{data: "hello", ended: &ended}, Header: http.Header{}}}}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	resp, err := ClientDo(siteRoot, nil, c, req)
	if err != nil {
		t.Fatal(err)
	}
	if ended {
		t.Fatal("the body was read to its end before the caller read it")
	}
	if resp.Request != req {
		t.Error("resp.Request is not the caller's request")
	}
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	if string(buf[:n]) != "hello" || err != io.EOF || !ended {
		t.Errorf("first Read gave %q, %v (ended %t); want \"hello\" with io.EOF, as the transport gave it", buf[:n], err, ended)
	}
	ex := coord.exchanges()
	last := ex[len(ex)-1].body
	if rv, _ := last["return_value"].(map[string]any); last["instrumentation_type"] != "invocation_complete" || rv["text"] != md5hex("hello") {
		t.Errorf("last report %v, want invocation_complete with the body's digest once it was read", last)
	}
}
