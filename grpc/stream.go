package filibustergrpc

import (
	"context"
	"io"
	"sync"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// direction is the way the messages a stream fault counts go.
type direction int

const (
	sent     direction = iota // client to server: SendMsg
	received                  // server to client: RecvMsg
)

// afterMessages reads a stream fault's position from its metadata: after_sent N or
// after_received N (a number, or a string of digits). It returns -1 when there is
// none: the stream fails before its first message.
func afterMessages(md map[string]any) (int, direction) {
	for _, d := range []struct {
		key string
		dir direction
	}{{"after_sent", sent}, {"after_received", received}} {
		switch v := md[d.key].(type) {
		case float64:
			if v >= 0 && v == float64(int(v)) {
				return int(v), d.dir
			}
		case string:
			if n, ok := parseCount(v); ok {
				return n, d.dir
			}
		}
	}
	return -1, sent
}

func parseCount(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// clientStream is an instrumented stream: it reports the stream's outcome once, when
// the stream ends, and injects a fault after a number of messages.
type clientStream struct {
	grpc.ClientStream
	desc   *grpc.StreamDesc
	inv    *runtime.Invocation
	cancel context.CancelFunc

	fault *runtime.Fault // the fault to inject after messages, or nil
	st    *status.Status // its status
	after int            // messages to let through first, -1 for no fault
	dir   direction      // the way they go

	mu       sync.Mutex
	sent     int
	received int
	failed   error // the injected fault, once it is
	once     sync.Once
}

// finish reports the stream's outcome, err (nil or io.EOF when it succeeded), once,
// and releases its context.
func (s *clientStream) finish(err error) {
	s.once.Do(func() {
		s.cancel()
		if err == nil || err == io.EOF {
			s.inv.Complete(map[string]any{"__class__": "stream"}, nil)
		} else {
			s.inv.Complete(nil, exception(err))
		}
	})
}

// inject makes the stream fail with the fault: the real stream is cancelled, the
// fault reported, and every later receive returns the fault's error.
func (s *clientStream) inject() error {
	// s.mu is held.
	s.failed = s.st.Err()
	s.once.Do(func() {
		s.cancel()
		s.inv.Complete(nil, injected(s.fault, s.st))
	})
	return s.failed
}

// SendMsg sends m, or, once after_sent messages have been sent, injects the fault:
// m is not sent and, as grpc-go does for a stream that has ended, SendMsg returns
// io.EOF (the caller finds the status with RecvMsg). A stream whose client sends one
// message only (a server stream's request) is told nil, as its generated stub expects.
func (s *clientStream) SendMsg(m any) error {
	s.mu.Lock()
	if s.failed == nil && s.fault != nil && s.dir == sent && s.sent >= s.after {
		s.inject()
	}
	failed := s.failed
	s.mu.Unlock()
	if failed != nil {
		if !s.desc.ClientStreams {
			return nil
		}
		return io.EOF
	}
	err := s.ClientStream.SendMsg(m)
	switch {
	case err == nil:
		s.mu.Lock()
		s.sent++
		s.mu.Unlock()
	case err != io.EOF:
		s.finish(err)
	}
	return err
}

// RecvMsg receives into m, or, once after_received messages have been received (or
// after the fault was injected on sending), returns the fault's error.
func (s *clientStream) RecvMsg(m any) error {
	s.mu.Lock()
	if s.failed == nil && s.fault != nil && s.dir == received && s.received >= s.after {
		s.inject()
	}
	failed := s.failed
	s.mu.Unlock()
	if failed != nil {
		return failed
	}
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		s.mu.Lock()
		s.received++
		s.mu.Unlock()
		if !s.desc.ServerStreams {
			s.finish(nil) // the one reply: grpc-go has ended the stream
		}
		return nil
	}
	s.mu.Lock()
	failed = s.failed // injected while this receive waited
	s.mu.Unlock()
	if failed != nil {
		return failed
	}
	s.finish(err)
	return err
}

// Header returns the header metadata, or the fault's error once it is injected.
func (s *clientStream) Header() (metadata.MD, error) {
	s.mu.Lock()
	failed := s.failed
	s.mu.Unlock()
	if failed != nil {
		return nil, failed
	}
	return s.ClientStream.Header()
}

// failedStream is a stream the callee ended with a status before any message: what a
// status-code fault makes of a stream. Nothing is sent.
type failedStream struct {
	ctx  context.Context
	desc *grpc.StreamDesc
	err  error
}

func (s *failedStream) Header() (metadata.MD, error) { return nil, s.err }
func (s *failedStream) Trailer() metadata.MD         { return metadata.MD{} }
func (s *failedStream) CloseSend() error             { return nil }
func (s *failedStream) Context() context.Context     { return s.ctx }
func (s *failedStream) RecvMsg(any) error            { return s.err }

// SendMsg returns io.EOF, as grpc-go does on a stream that has ended, except for the
// one request of a stream whose client does not stream, which its generated stub
// sends before returning the stream: that is taken as sent.
func (s *failedStream) SendMsg(any) error {
	if !s.desc.ClientStreams {
		return nil
	}
	return io.EOF
}
