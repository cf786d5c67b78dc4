package runtime

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Headers propagated between instrumented services (protocol.md §2).
const (
	headerGeneratedID  = "X-Filibuster-Generated-Id"
	headerVClock       = "X-Filibuster-VClock"
	headerOriginVClock = "X-Filibuster-Origin-VClock"
	headerEI           = "X-Filibuster-Execution-Index"
	headerRequestID    = "X-Filibuster-Request-Id"
	headerForcedSleep  = "X-Filibuster-Forced-Sleep"
)

// Headers of the extensions our coordinator advertises (protocol.md, "Extensions our
// coordinator advertises").
const (
	// headerExtensions, on a new-test-execution request, asks the coordinator to name
	// its execution in the answer; extensionExecution is its value.
	headerExtensions   = "X-Filibuster-Extensions"
	extensionExecution = "execution"
	// headerExecution, on a call from a caller whose coordinator names its
	// executions, names the execution the call belongs to.
	headerExecution = "X-Filibuster-Execution"
)

// hasToken reports whether the comma-separated list of tokens list holds token. (The
// coordinator has its own: this package is copied alone into modules that do not
// require this one, so it imports none of the module's other packages.)
func hasToken(list, token string) bool {
	for list != "" {
		var t string
		t, list, _ = strings.Cut(list, ",")
		if strings.TrimSpace(t) == token {
			return true
		}
	}
	return false
}

// vclock is a vector clock: a count per service, in the order the services were first
// seen, as Python dicts keep them.
type vclock struct {
	keys   []string
	counts map[string]int
}

func newVClock() *vclock { return &vclock{counts: make(map[string]int)} }

func (v *vclock) clone() *vclock {
	c := &vclock{keys: append([]string(nil), v.keys...), counts: make(map[string]int, len(v.counts))}
	for k, n := range v.counts {
		c.counts[k] = n
	}
	return c
}

func (v *vclock) set(k string, n int) {
	if _, ok := v.counts[k]; !ok {
		v.keys = append(v.keys, k)
	}
	v.counts[k] = n
}

func (v *vclock) increment(k string) { v.set(k, v.counts[k]+1) }

// merge returns the pointwise maximum of a and b, with a's services first.
func merge(a, b *vclock) *vclock {
	m := a.clone()
	for _, k := range b.keys {
		if n, ok := m.counts[k]; !ok || b.counts[k] > n {
			m.set(k, b.counts[k])
		}
	}
	return m
}

// String encodes v as Python's json.dumps does: {"users": 2, "bookings": 1}.
func (v *vclock) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range v.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		writePyString(&b, k)
		b.WriteString(": ")
		b.WriteString(strconv.Itoa(v.counts[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON encodes v in key order.
func (v *vclock) MarshalJSON() ([]byte, error) { return []byte(v.String()), nil }

// parseVClock decodes a JSON object of integer counts, keeping its key order.
func parseVClock(s string) (*vclock, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("vector clock %q: not a JSON object", s)
	}
	v := newVClock()
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("vector clock %q: %w", s, err)
		}
		k, _ := t.(string)
		t, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("vector clock %q: %w", s, err)
		}
		num, ok := t.(json.Number)
		if !ok {
			return nil, fmt.Errorf("vector clock %q: count of %q is not a number", s, k)
		}
		n, err := strconv.Atoi(num.String())
		if err != nil {
			return nil, fmt.Errorf("vector clock %q: count of %q: %w", s, k, err)
		}
		v.set(k, n)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("vector clock %q: unterminated object", s)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("vector clock %q: trailing data", s)
	}
	return v, nil
}

// eiEntry is one step of an execution index: a call's key and its invocation count.
type eiEntry struct {
	key   string
	count int
}

// executionIndex identifies a call by the path of calls that led to it.
type executionIndex []eiEntry

// String encodes ei as Python's json.dumps does: [["68ae...", 1], ["e7ef...", 2]].
func (ei executionIndex) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range ei {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('[')
		writePyString(&b, e.key)
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(e.count))
		b.WriteByte(']')
	}
	b.WriteByte(']')
	return b.String()
}

// parseEI decodes an execution index.
func parseEI(s string) (executionIndex, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("execution index %q: %w", s, err)
	}
	ei := make(executionIndex, 0, len(raw))
	for _, pair := range raw {
		if len(pair) != 2 {
			return nil, fmt.Errorf("execution index %q: entry is not a [key, count] pair", s)
		}
		var e eiEntry
		if err := json.Unmarshal(pair[0], &e.key); err != nil {
			return nil, fmt.Errorf("execution index %q: key: %w", s, err)
		}
		if err := json.Unmarshal(pair[1], &e.count); err != nil {
			return nil, fmt.Errorf("execution index %q: count: %w", s, err)
		}
		ei = append(ei, e)
	}
	return ei, nil
}

// callKey is the execution-index key of a call: the md5 of its static call-site id,
// module, method and target (the host and port it is sent to, or the name of the
// service there when FILIBUSTER_TARGETS names it, see keyTarget). Nothing else of the URL
// goes in, so a call keeps its key when only per-request values in its path, query or
// body change (an id created by an earlier call, a timestamp, a cursor): a fault
// scheduled for it lands on the same call in the next execution. Repeated calls with
// one key are told apart by their count (see processState.advance). docs/architecture.md
// ("Execution-index keys") says why this differs from the reference instrumentation,
// which hashes its traceback and the URL's path.
func callKey(siteID, module, method string, u *url.URL) string {
	return targetKey(siteID, module, method, target(u))
}

// targetKey is the execution-index key of a call to target, a host and port or, for a
// call that has no URL (gRPC's), what the connection was made with: the md5 of
// site-module-method-"target", the target as keyTarget gives it.
func targetKey(siteID, module, method, target string) string {
	var b strings.Builder
	b.WriteString(siteID)
	b.WriteString("-")
	b.WriteString(module)
	b.WriteString("-")
	b.WriteString(method)
	b.WriteString("-")
	writePyString(&b, keyTarget(target))
	sum := md5.Sum([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// keyTarget is what the execution-index key says of a call's target, a host and port:
// the name of the application's service there, when FILIBUSTER_TARGETS names it, so
// that a call keeps its key when the application runs on other ports (a counterexample
// replayed in another run, a copy of the application beside another); the host and
// port otherwise.
func keyTarget(hostPort string) string {
	if name, ok := current().names[hostPort]; ok {
		return "service " + name
	}
	return hostPort
}

// target is the host and port a request to u is sent to, in lower case, with the
// scheme's default port when u names none: "users:5000", "example.com:443".
func target(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return net.JoinHostPort(host, port)
}

// urlWithoutHost drops the scheme and everything up to the first colon, so that
// http://users:5000/x and http://127.0.0.1:5000/x give the same "5000/x".
func urlWithoutHost(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	if i := strings.IndexByte(u, ':'); i >= 0 {
		return u[i+1:]
	}
	return u
}

// writePyString writes s as a JSON string the way Python's json.dumps does by default
// (ensure_ascii: every non-ASCII character as \uXXXX).
func writePyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20 || r == utf8.RuneError:
				fmt.Fprintf(b, `\u%04x`, r)
			case r < 0x80:
				b.WriteRune(r)
			case r <= 0xFFFF:
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			}
		}
	}
	b.WriteByte('"')
}

// digestBody hashes a body as the caller reads it and calls done with the digest once,
// at the end of the body, at the first read error, or at Close, whichever comes first.
type digestBody struct {
	rc   io.ReadCloser
	mu   sync.Mutex
	h    hash.Hash
	done func(digest string)
	sent bool
}

func newDigestBody(rc io.ReadCloser, done func(digest string)) *digestBody {
	return &digestBody{rc: rc, h: md5.New(), done: done}
}

func (d *digestBody) Read(p []byte) (int, error) {
	n, err := d.rc.Read(p)
	d.mu.Lock()
	d.h.Write(p[:n])
	d.mu.Unlock()
	if err != nil {
		d.finish()
	}
	return n, err
}

func (d *digestBody) Close() error {
	err := d.rc.Close()
	d.finish()
	return err
}

func (d *digestBody) finish() {
	d.mu.Lock()
	if d.sent {
		d.mu.Unlock()
		return
	}
	d.sent = true
	digest := hex.EncodeToString(d.h.Sum(nil))
	d.mu.Unlock()
	d.done(digest)
}

var (
	errNotConfigured = errors.New("filibuster: no coordinator configured")
	errGivenUp       = errors.New("filibuster: the coordinator was given up on")
)
