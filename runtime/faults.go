package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// injectedError returns the error a call with c fails with when the coordinator injects
// the exception name: a *url.Error like net/http's, wrapping the Go error the name
// denotes.
func injectedError(name string, c *http.Client, req *http.Request) error {
	return &url.Error{Op: urlErrorOp(req.Method), URL: req.URL.String(), Err: faultError(name, c, req)}
}

// faultError is the error under the *url.Error for each fault name (protocol.md §4).
// A timeout is the error net/http gives for the deadline that comes first: the
// request context's (context.DeadlineExceeded itself) or the client's Timeout.
func faultError(name string, c *http.Client, req *http.Request) error {
	addr := hostAddr(req.URL)
	switch name {
	case "syscall.ECONNREFUSED", "requests.exceptions.ConnectionError":
		return &net.OpError{Op: "dial", Net: "tcp", Addr: addr, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	case "syscall.ECONNRESET":
		return &net.OpError{Op: "read", Net: "tcp", Addr: addr, Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	case "context.DeadlineExceeded", "requests.exceptions.Timeout":
		if deadline, ok := req.Context().Deadline(); ok && (c == nil || c.Timeout == 0 || time.Until(deadline) < c.Timeout) {
			return context.DeadlineExceeded
		}
		return timeoutError{}
	case "io.ErrUnexpectedEOF":
		return io.ErrUnexpectedEOF
	}
	return fmt.Errorf("filibuster: injected fault %q (no Go error of that name is known)", name)
}

// timeoutError is a client timeout: it is context.DeadlineExceeded and a net.Error
// whose Timeout is true, as a real http.Client timeout is.
type timeoutError struct{}

func (timeoutError) Error() string {
	return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
}
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
func (timeoutError) Unwrap() error   { return context.DeadlineExceeded }

// hostAddr is the address a dial to u would have used, for error messages.
func hostAddr(u *url.URL) net.Addr {
	if u == nil || u.Host == "" {
		return nil
	}
	if a, err := net.ResolveTCPAddr("tcp", target(u)); err == nil && a.IP != nil {
		return a
	}
	return nil
}

// urlErrorOp is the Op of net/http's *url.Error for a method: "Get", "Post".
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	return method[:1] + strings.ToLower(method[1:])
}

// errorName names a real (not injected) call error for the coordinator, with the
// fault names of protocol.md §4 where one applies.
func errorName(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "syscall.ECONNREFUSED"
	case errors.Is(err, syscall.ECONNRESET):
		return "syscall.ECONNRESET"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "context.DeadlineExceeded"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "io.ErrUnexpectedEOF"
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return fmt.Sprintf("%T", err)
}

// fakeResponse is the response of a call the coordinator answered with a status code:
// no call is made, the body is empty.
func fakeResponse(code int, req *http.Request) *http.Response {
	status := http.StatusText(code)
	if status == "" {
		status = "status code " + fmt.Sprint(code)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", code, status),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Body:          http.NoBody,
		ContentLength: 0,
		Request:       req,
	}
}

func errMalformed(what string) error {
	return fmt.Errorf("malformed %s answer from the coordinator", what)
}
