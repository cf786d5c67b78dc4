package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	goruntime "runtime"
	"strconv"
	"sync"
)

// incoming is the request-scoped state a handler received in the Filibuster headers.
type incoming struct {
	service   string // the serving handler's service, when it names one (tests)
	requestID string
	vclock    *vclock        // nil when the request carried no execution index
	origin    *vclock        // the caller's call vclock
	ei        executionIndex // the caller's execution index for this call
}

type stateKey struct{}

// fromContext returns the incoming state stored in ctx by a wrapped handler.
func fromContext(ctx context.Context) *incoming {
	if ctx == nil {
		return nil
	}
	in, _ := ctx.Value(stateKey{}).(*incoming)
	return in
}

// processState holds, per service and request id, the vector clock and
// execution-index counters (protocol.md §3), and the incoming state of the handlers
// running on each goroutine. A process is normally one service; keeping the clocks per
// service lets a test host several.
type processState struct {
	mu         sync.Mutex
	services   map[string]*serviceState
	goroutines map[uint64]*incoming
	root       *incoming
}

// serviceState is one service's clocks, by request id, and execution-index counters,
// by request id and incoming execution index.
type serviceState struct {
	vclocks  map[string]*vclock
	counters map[string]map[string]int
}

func newServiceState() *serviceState {
	return &serviceState{vclocks: make(map[string]*vclock), counters: make(map[string]map[string]int)}
}

// service returns the state of the named service; p.mu must be held.
func (p *processState) service(name string) *serviceState {
	s := p.services[name]
	if s == nil {
		s = newServiceState()
		p.services[name] = s
	}
	return s
}

var states = newProcessState()

func newProcessState() *processState {
	return &processState{
		services:   make(map[string]*serviceState),
		goroutines: make(map[uint64]*incoming),
		root:       &incoming{requestID: newRequestID()},
	}
}

func (p *processState) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.services = make(map[string]*serviceState)
	p.goroutines = make(map[uint64]*incoming)
	p.root = &incoming{requestID: newRequestID()}
}

// lookup finds the incoming state a client call belongs to, in order: the scope the
// generated code passed (a context.Context or *http.Request), the outgoing request's
// context, the handler running on this goroutine, and the process-wide root state.
func (p *processState) lookup(scope any, req *http.Request) *incoming {
	switch s := scope.(type) {
	case context.Context:
		if in := fromContext(s); in != nil {
			return in
		}
	case *http.Request:
		if s != nil {
			if in := fromContext(s.Context()); in != nil {
				return in
			}
		}
	}
	if in := fromContext(req.Context()); in != nil {
		return in
	}
	id := goroutineID()
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.goroutines[id]; in != nil {
		return in
	}
	return p.root
}

// enter records that the current goroutine serves a request with state in, and
// returns the function that forgets it.
func (p *processState) enter(in *incoming) func() {
	id := goroutineID()
	p.mu.Lock()
	prev := p.goroutines[id]
	p.goroutines[id] = in
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		if prev != nil {
			p.goroutines[id] = prev
		} else {
			delete(p.goroutines, id)
		}
		p.mu.Unlock()
	}
}

// newTestExecution forgets every request's clocks and counters of service
// (protocol.md §3.1).
func (p *processState) newTestExecution(service string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.services[service] = newServiceState()
}

// advance computes a call's vector clock and execution index for service and key:
// it merges the incoming clock, increments the service's count, and pushes the key
// onto the incoming (or empty) execution index with its per-request count.
func (p *processState) advance(in *incoming, service, key string) (*vclock, executionIndex) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.service(service)
	vc := st.vclocks[in.requestID]
	if vc == nil {
		vc = newVClock()
	}
	if in.vclock != nil {
		vc = merge(in.vclock, vc)
	}
	vc.increment(service)
	st.vclocks[in.requestID] = vc

	// Counts are kept per request and per incoming execution index: an execution index
	// is a path in the call tree, and each count numbers the identical calls made from
	// one position of that path. (The reference instrumentation re-reads the incoming
	// index for every call, so a called service counts every key from 1 again; that
	// agrees with this except for identical calls repeated by one handler invocation,
	// which it wrongly gives one index.)
	scope := in.requestID + "\x00" + in.ei.String()
	counters := st.counters[scope]
	if counters == nil {
		counters = make(map[string]int)
		st.counters[scope] = counters
	}
	counters[key]++
	ei := make(executionIndex, len(in.ei), len(in.ei)+1)
	copy(ei, in.ei)
	ei = append(ei, eiEntry{key: key, count: counters[key]})
	return vc.clone(), ei
}

// goroutineID returns the id of the calling goroutine, read from its stack header
// ("goroutine 42 [running]:").
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:goruntime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// newRequestID returns a random (version 4) UUID.
func newRequestID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
