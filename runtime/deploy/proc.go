package deploy

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// process is a started service, in its own process group so that stopping it also
// stops anything it started.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string        // path of the file holding its output
	done chan struct{} // closed once it has exited
	err  error         // its exit status, valid after done is closed
}

// startProcess starts path with args and env in dir (the current directory when dir is
// empty), its output going to logPath and, when echo is not nil, to echo too.
func startProcess(name, path, dir string, args, env []string, logPath string, echo io.Writer) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	var out io.Writer = logFile
	if echo != nil {
		out = io.MultiWriter(logFile, &prefixWriter{prefix: name + ": ", w: echo})
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = processGroupAttr()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to terminate, then kills it after grace.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		// The leader is gone; make sure nothing it started survives.
		killGroup(p.cmd)
		return
	}
	terminateGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	killGroup(p.cmd)
	<-p.done
}

// logTail returns the last lines of the process's output, for error messages.
func (p *process) logTail() string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}

// Ports are part of what the coordinator sees: a call's execution index hashes its URL
// without the host, "port/path". A counterexample names its faults by execution index,
// so replaying it needs the services on the ports they had when it was written. The
// runner therefore picks ports deterministically from the application's name, in a
// range below Linux's ephemeral ports, and moves on to other candidates only when a
// port is taken.
const (
	portBase       = 20000
	portRange      = 12000
	portCandidates = 32
)

// appPorts returns n consecutive ports free on 127.0.0.1 for the application named name:
// the first of its candidate blocks whose ports are all free. With strict, only the
// first candidate is tried, so that a replay gets the ports its counterexample was
// recorded with or fails. The ports are released before returning, so another process
// could take one; startup then fails clearly.
func appPorts(name string, n int, strict bool) ([]int, error) {
	h := fnv.New32a()
	h.Write([]byte(name))
	seed := int(h.Sum32() % portRange)
	tries := portCandidates
	if strict {
		tries = 1
	}
	var lastErr error
	for k := range tries {
		first := portBase + (seed+k*1009)%(portRange-n)
		ports, err := tryPorts(first, n)
		if err == nil {
			return ports, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("finding %d free ports for %s: %w", n, name, lastErr)
}

// tryPorts reports whether first..first+n-1 can all be listened on at 127.0.0.1.
func tryPorts(first, n int) ([]int, error) {
	var ports []int
	for p := first; p < first+n; p++ {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, p)
	}
	return ports, nil
}

// waitHealthy waits until the service p runs is up, p exits, ctx is done or timeout
// passes. The service is up when rawURL answers GET with 200 or, when rawURL has no
// path (a service whose health check is TCPHealthCheck), as soon as its host accepts
// a TCP connection.
func waitHealthy(ctx context.Context, p *process, rawURL string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	probe, what, err := healthProbe(rawURL)
	if err != nil {
		return fmt.Errorf("health check of %s: %w", p.name, err)
	}
	for {
		if probe(ctx) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before answering its health check (%v); its output:\n%s", p.name, p.err, p.logTail())
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s did not %s within %v; its output:\n%s", p.name, what, timeout, p.logTail())
			}
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// healthProbe returns one attempt of the health check rawURL describes, which reports
// whether the service is up, and what it waits for, for error messages.
func healthProbe(rawURL string) (probe func(context.Context) bool, what string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, "", err
	}
	if u.Path == "" && u.RawQuery == "" {
		if u.Port() == "" {
			return nil, "", fmt.Errorf("%s: no port to connect to", rawURL)
		}
		dialer := &net.Dialer{Timeout: time.Second}
		return func(ctx context.Context) bool {
			c, err := dialer.DialContext(ctx, "tcp", u.Host)
			if err != nil {
				return false
			}
			c.Close()
			return true
		}, "accept a TCP connection on " + u.Host, nil
	}
	client := &http.Client{Timeout: time.Second}
	return func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "answer " + rawURL, nil
}

// prefixWriter writes each line it is given with a prefix.
type prefixWriter struct {
	prefix string
	w      io.Writer
	mid    bool // in the middle of a line
}

func (pw *prefixWriter) Write(b []byte) (int, error) {
	var sb strings.Builder
	for _, c := range string(b) {
		if !pw.mid {
			sb.WriteString(pw.prefix)
			pw.mid = true
		}
		sb.WriteRune(c)
		if c == '\n' {
			pw.mid = false
		}
	}
	if _, err := io.WriteString(pw.w, sb.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}
