// Package serve serves a gRPC server and an HTTP/1 health check on one listener.
//
// filibuster-gen run waits for each service to answer GET <health_check> with 200 on the
// address it listens on (docs/run.md), and a gRPC server answers only HTTP/2. Serve tells
// the two apart by a connection's first bytes: every gRPC client opens with the HTTP/2
// client preface, "PRI * HTTP/2.0...", and an HTTP/1 request opens with its method. The
// gRPC connections go to the gRPC server's own transport (grpc.Server.Serve), so the
// server is exactly the one the service made.
package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// preface is the start of the HTTP/2 client connection preface (RFC 9113, 3.4).
const preface = "PRI * HTTP/2.0"

// sniffTimeout bounds the wait for a new connection's first bytes.
const sniffTimeout = 10 * time.Second

// Serve accepts connections on l and hands each one that opens with the HTTP/2 client
// preface to srv, and every other one to an HTTP/1 server that answers GET /health-check
// with 200 {"status": "OK"}, as every cinema service does. It returns when l fails,
// after stopping srv and the HTTP server.
func Serve(l net.Listener, srv *grpc.Server) error {
	grpcL := newConnListener(l.Addr())
	httpL := newConnListener(l.Addr())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health-check", healthCheck)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: sniffTimeout}

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := srv.Serve(grpcL); err != nil {
			log.Printf("serve: gRPC server: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := hs.Serve(httpL); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Printf("serve: health-check server: %v", err)
		}
	}()

	var err error
	for {
		var c net.Conn
		c, err = l.Accept()
		if err != nil {
			break
		}
		go route(c, grpcL, httpL)
	}
	srv.Stop()
	hs.Close()
	grpcL.Close()
	httpL.Close()
	wg.Wait()
	return err
}

// route reads the first bytes of c and hands it, those bytes included, to grpcL when
// they are the HTTP/2 preface and to httpL otherwise. A connection that sends nothing
// within sniffTimeout is closed.
func route(c net.Conn, grpcL, httpL *connListener) {
	c.SetReadDeadline(time.Now().Add(sniffTimeout))
	head := make([]byte, len(preface))
	n, err := io.ReadFull(c, head)
	c.SetReadDeadline(time.Time{})
	if n == 0 && err != nil {
		c.Close()
		return
	}
	pc := &prefixConn{Conn: c, prefix: head[:n]}
	if bytes.Equal(head[:n], []byte(preface)) {
		grpcL.put(pc)
	} else {
		httpL.put(pc)
	}
}

// healthCheck answers the start-up probe.
func healthCheck(w http.ResponseWriter, r *http.Request) {
	body, _ := json.Marshal(map[string]string{"status": "OK"})
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(body, '\n'))
}

// prefixConn is a connection whose first bytes were already read: its reads return
// prefix before reading from Conn.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(b []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(b, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

// connListener is a net.Listener whose connections are handed to it by put.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// put hands c to the listener's Accept, or closes it once the listener is closed.
func (l *connListener) put(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.addr }
