package coordinator

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// streamUpgrade is the Upgrade token of the stream extension (protocol.md, "The
// stream extension"), and streamPath the end of the path of the request that asks for
// it. The runtime, which does not import this package, spells them too.
const (
	streamUpgrade = "filibuster-stream"
	streamPath    = "/filibuster/stream"
)

// Streams returns an http.Handler that serves next, and also serves it on upgraded
// connections (protocol.md, "The stream extension"): a GET request whose path ends in
// /filibuster/stream and that asks to upgrade to filibuster-stream is answered 101
// Switching Protocols, and from then on each HTTP/1.1 request read from the connection
// is handed to next and answered on it, one after the other, without net/http's
// machinery for each request. This is what our runtime's requests to the coordinator
// travel on: a round trip on a stream costs about a third of one through net/http's
// client and server.
//
// A stream ends when its client closes it or sends a request that cannot be read; it
// is not closed when the http.Server serving Streams is closed (the server forgets
// upgraded connections), so an in-process client must close its end, as the runtime's
// reset does.
func Streams(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !asksForStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, "cannot upgrade: "+err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Time{}) // the server's header deadline does not hold here
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + streamUpgrade + "\r\n\r\n")
		if brw.Flush() != nil {
			return
		}
		for {
			req, err := http.ReadRequest(brw.Reader)
			if err != nil {
				return // io.EOF: the client closed its end
			}
			req.RemoteAddr = r.RemoteAddr
			req = req.WithContext(r.Context())
			fw := &frameWriter{header: make(http.Header)}
			next.ServeHTTP(fw, req)
			// What the handler left unread must not be taken for the next request.
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
			if fw.writeTo(brw.Writer) != nil || brw.Flush() != nil {
				return
			}
		}
	})
}

// asksForStream reports whether r asks for a stream.
func asksForStream(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, streamPath) &&
		hasToken(strings.ToLower(r.Header.Get("Connection")), "upgrade") &&
		hasToken(r.Header.Get("Upgrade"), streamUpgrade)
}

// frameWriter is the http.ResponseWriter of a request read from a stream: it keeps the
// answer, which writeTo then sends as an HTTP/1.1 response with a Content-Length.
type frameWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (f *frameWriter) Header() http.Header { return f.header }

func (f *frameWriter) WriteHeader(status int) {
	if f.status == 0 {
		f.status = status
	}
}

func (f *frameWriter) Write(b []byte) (int, error) {
	f.WriteHeader(http.StatusOK)
	return f.body.Write(b)
}

func (f *frameWriter) writeTo(w *bufio.Writer) error {
	f.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", f.status, http.StatusText(f.status))
	f.header.Del("Content-Length")
	f.header.Del("Transfer-Encoding")
	if _, set := f.header["Content-Type"]; !set && f.body.Len() > 0 {
		f.header.Set("Content-Type", http.DetectContentType(f.body.Bytes())) // as net/http does
	}
	if err := f.header.Write(w); err != nil {
		return err
	}
	w.WriteString("Content-Length: " + strconv.Itoa(f.body.Len()) + "\r\n\r\n")
	_, err := w.Write(f.body.Bytes())
	return err
}
