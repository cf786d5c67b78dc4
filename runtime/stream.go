package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The stream extension (protocol.md, "The stream extension"): the runtime's requests to
// the coordinator travel as plain HTTP/1.1 on connections it upgraded, one request at a
// time on each, which the coordinator serves without net/http's machinery for each
// request. The names are the coordinator's (runtime/coordinator/stream.go).
const (
	streamUpgrade = "filibuster-stream"
	streamPath    = "/filibuster/stream"
	// maxIdleStreams is how many idle streams a process keeps, as the HTTP client
	// keeps idle connections.
	maxIdleStreams = 16
)

// errNoStreams says the coordinator does not offer streams: the request goes by HTTP.
var errNoStreams = errors.New("the coordinator offers no streams")

// streams is a process's pool of streams to its coordinator.
type streams struct {
	host    string // the coordinator's host and port
	base    string // the path of FILIBUSTER_URL, which names a lane
	timeout time.Duration

	refused atomic.Bool // the coordinator answered the upgrade with something else
	mu      sync.Mutex
	idle    []*stream
}

// stream is one upgraded connection.
type stream struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

// roundTrip sends one request on a stream and returns the status and body of the
// answer. It returns errNoStreams, having sent nothing, when the coordinator does not
// offer streams. A stream that was kept idle and turns out closed (the coordinator
// that answered on it is gone) is replaced once by a new one.
func (p *streams) roundTrip(method, path, key, value string, body []byte) (int, []byte, error) {
	s, reused, err := p.get()
	if err != nil {
		return 0, nil, err
	}
	status, answer, err := s.roundTrip(p, method, path, key, value, body)
	if err != nil && reused && closedBeforeAnswer(err) {
		s.conn.Close()
		if s, err = p.dial(); err != nil {
			return 0, nil, err
		}
		status, answer, err = s.roundTrip(p, method, path, key, value, body)
	}
	if err != nil {
		s.conn.Close()
		return 0, nil, err
	}
	p.put(s)
	return status, answer, nil
}

// closedBeforeAnswer reports whether err says that the connection was closed by the
// other end before any of the answer came.
func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// get returns an idle stream, or a new one.
func (p *streams) get() (s *stream, reused bool, err error) {
	if p.refused.Load() {
		return nil, false, errNoStreams
	}
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		s = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if s != nil {
		return s, true, nil
	}
	s, err = p.dial()
	return s, false, err
}

// put keeps s for the next request, or closes it when enough are kept.
func (p *streams) put(s *stream) {
	p.mu.Lock()
	if len(p.idle) < maxIdleStreams {
		p.idle = append(p.idle, s)
		s = nil
	}
	p.mu.Unlock()
	if s != nil {
		s.conn.Close()
	}
}

// closeIdle closes the idle streams (tests, through reset).
func (p *streams) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, s := range idle {
		s.conn.Close()
	}
}

// dial opens a connection to the coordinator and asks to upgrade it. An answer other
// than 101 marks the coordinator as offering no streams, for the life of the process,
// and returns errNoStreams.
func (p *streams) dial() (*stream, error) {
	conn, err := net.DialTimeout("tcp", p.host, p.timeout)
	if err != nil {
		return nil, err
	}
	s := &stream{conn: conn, r: bufio.NewReader(conn), w: bufio.NewWriter(conn)}
	conn.SetDeadline(time.Now().Add(p.timeout))
	s.w.WriteString("GET " + p.base + streamPath + " HTTP/1.1\r\nHost: " + p.host +
		"\r\nConnection: Upgrade\r\nUpgrade: " + streamUpgrade + "\r\n\r\n")
	var resp *http.Response
	if err = s.w.Flush(); err == nil {
		resp, err = http.ReadResponse(s.r, nil)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("upgrading to a stream: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != streamUpgrade {
		conn.Close()
		p.refused.Store(true)
		return nil, errNoStreams
	}
	return s, nil
}

// roundTrip writes one request on s and reads its answer, within p's timeout.
func (s *stream) roundTrip(p *streams, method, path, key, value string, body []byte) (int, []byte, error) {
	s.conn.SetDeadline(time.Now().Add(p.timeout))
	w := s.w
	w.WriteString(method + " " + p.base + path + " HTTP/1.1\r\nHost: " + p.host + "\r\n")
	if body != nil {
		w.WriteString("Content-Type: application/json\r\n")
	}
	if key != "" {
		w.WriteString(key + ": " + value + "\r\n")
	}
	w.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return 0, nil, err
	}
	// An answer that has not begun is told apart (io.EOF), as ReadResponse does not.
	if _, err := s.r.Peek(1); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(s.r, nil)
	if err != nil {
		return 0, nil, err
	}
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("reading answer: %w", err)
	}
	return resp.StatusCode, answer, nil
}
