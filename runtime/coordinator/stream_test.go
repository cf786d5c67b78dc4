package coordinator

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreams checks the server side of the stream extension: a request that does not
// ask for a stream is served as it is; one that does is answered 101, and then the
// requests read from the connection are served in order, each answered with its
// status, headers and a Content-Length, a body the handler left unread skipped, and
// the connection closed after a request that cannot be read.
func TestStreams(t *testing.T) {
	var paths []string
	h := Streams(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.Path)
		switch r.URL.Path {
		case "/echo":
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(r.Header.Get("X-Filibuster-Extensions") + ":" + string(body)))
		case "/unread":
			io.WriteString(w, "left it")
		default:
			http.NotFound(w, r)
		}
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/echo")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(plain) != ":" {
		t.Errorf("a plain request was answered %q", plain)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	io.WriteString(conn, "GET /lanes/1/filibuster/stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: filibuster-stream\r\n\r\n")
	up, err := http.ReadResponse(r, nil)
	if err != nil || up.StatusCode != http.StatusSwitchingProtocols || up.Header.Get("Upgrade") != "filibuster-stream" {
		t.Fatalf("upgrade answered %v, %v", up, err)
	}
	io.WriteString(conn, "PUT /unread HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde"+
		"POST /echo HTTP/1.1\r\nHost: x\r\nX-Filibuster-Extensions: execution\r\nContent-Length: 2\r\n\r\n{}"+
		"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "text/plain; charset=utf-8", "left it"},
		{200, "application/json", "execution:{}"},
		{404, "text/plain; charset=utf-8", "404 page not found\n"},
	} {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want.status || resp.Header.Get("Content-Type") != want.contentType || string(body) != want.body {
			t.Errorf("answered %d %q %q, want %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body,
				want.status, want.contentType, want.body)
		}
	}
	if got := strings.Join(paths, ", "); got != "GET /echo, PUT /unread, POST /echo, GET /nothing" {
		t.Errorf("served %s", got)
	}

	io.WriteString(conn, "not a request\r\n\r\n")
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after a malformed request the stream gave %d bytes, %v; want it closed", n, err)
	}
}
