package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	goruntime "runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// incoming is the request-scoped state a handler received in the Filibuster headers.
type incoming struct {
	service   string // the serving handler's service, when it names one (tests)
	requestID string
	vclock    *vclock        // nil when the request carried no execution index
	origin    *vclock        // the caller's call vclock
	ei        executionIndex // the caller's execution index for this call
	goroutine uint64         // the goroutine the handler runs on (0: no handler)
	// below holds the return addresses of the handler's goroutine below the
	// middleware that serves it, innermost first, as runtime.Callers gives them; nil
	// when not known. They stay as they are while the handler runs.
	below []uintptr
	// held, when not nil, keeps the reports made for the request while its handler
	// runs (carry.go); carry says they go back to the caller in the response, and not
	// to the coordinator.
	held  *held
	carry bool
}

// maxBelow bounds the stack depth below a handler that below records.
const maxBelow = 64

// onGoroutine reports whether the calling goroutine is not the one in's handler runs
// on: the call was made on a goroutine the handler started, concurrently with others.
//
// The goroutine's id, which only a stack trace gives, costs tens of microseconds; the
// calling goroutine's return addresses cost a few (BenchmarkOnGoroutine). A goroutine whose stack ends with the
// frames below in's middleware is inside a call of that middleware, so serving a
// request; when in's handler is the only one the process serves, that goroutine is
// its. Otherwise the ids are compared.
func (in *incoming) onGoroutine() bool {
	if in.goroutine == 0 {
		return false
	}
	if in.below != nil {
		var pcs [maxBelow + 32]uintptr
		n := goruntime.Callers(1, pcs[:])
		if n < len(pcs) && endsWith(pcs[:n], in.below) && states.onlyHandler(in) {
			return false
		}
	}
	return goroutineID() != in.goroutine
}

// endsWith reports whether pcs ends with tail.
func endsWith(pcs, tail []uintptr) bool {
	if len(tail) == 0 || len(tail) > len(pcs) {
		return false
	}
	off := len(pcs) - len(tail)
	for i, pc := range tail {
		if pcs[off+i] != pc {
			return false
		}
	}
	return true
}

// callersBelow returns the return addresses of the calling goroutine below the
// function that calls it, for incoming.below, or nil when they are too many.
func callersBelow() []uintptr {
	var pcs [maxBelow + 1]uintptr
	n := goruntime.Callers(3, pcs[:]) // above: Callers, callersBelow, its caller
	if n > maxBelow {
		return nil
	}
	return append([]uintptr(nil), pcs[:n]...)
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
	goroutines map[uint64]*incoming // the handlers running, by goroutine
	// adopted holds, by goroutine, the state of goroutines that were found to descend
	// from a handler, and of handlers that have returned (their goroutines' children
	// may still call); orphaned holds the goroutines found to descend from none.
	adopted  map[uint64]*incoming
	orphaned map[uint64]bool
	root     *incoming
	orphans  atomic.Bool // an orphaned call has been logged
}

// orphan stands for the state of a goroutine that no handler started.
var orphan = &incoming{}

// maxTraced is the number of goroutines above which the ancestry of a goroutine whose
// parent serves no request is not traced through every goroutine's stack trace.
const maxTraced = 1000

// serviceState is one service's clocks, by request id, and execution-index counters,
// by request id and incoming execution index.
type serviceState struct {
	vclocks  map[string]*vclock
	counters map[string]map[string]int
	// execution is the coordinator's id of the test execution the clocks belong to,
	// when it speaks the execution extension (protocol.md, "Extensions our
	// coordinator advertises"), or noExecution.
	execution int64
}

// noExecution is the execution of clocks that belong to no execution the coordinator
// named: a create that carries it is always answered with the current one.
const noExecution = -1

func newServiceState(execution int64) *serviceState {
	return &serviceState{vclocks: make(map[string]*vclock), counters: make(map[string]map[string]int), execution: execution}
}

// service returns the state of the named service; p.mu must be held.
func (p *processState) service(name string) *serviceState {
	s := p.services[name]
	if s == nil {
		s = newServiceState(noExecution)
		p.services[name] = s
	}
	return s
}

var states = newProcessState()

func newProcessState() *processState {
	return &processState{
		services:   make(map[string]*serviceState),
		goroutines: make(map[uint64]*incoming),
		adopted:    make(map[uint64]*incoming),
		orphaned:   make(map[uint64]bool),
		root:       &incoming{requestID: newRequestID()},
	}
}

func (p *processState) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.services = make(map[string]*serviceState)
	p.goroutines = make(map[uint64]*incoming)
	p.adopted = make(map[uint64]*incoming)
	p.orphaned = make(map[uint64]bool)
	p.root = &incoming{requestID: newRequestID()}
	p.orphans.Store(false)
}

// lookup finds the incoming state a client call belongs to, in order: the scope the
// generated code passed (a context.Context or *http.Request), the outgoing request's
// context, the handler running on this goroutine, the handler that started this
// goroutine (directly or through goroutines still running), and the process-wide root
// state.
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
	return p.orRoot(p.resolve(goroutineID()))
}

// resolve returns the state of goroutine id, as recorded or found through its
// ancestors (then recorded), orphan included.
func (p *processState) resolve(id uint64) *incoming {
	if in := p.known(id); in != nil {
		return in
	}
	in := p.ancestor(id)
	p.remember(id, in)
	return in
}

// remember records what ancestor found for goroutine id.
func (p *processState) remember(id uint64, in *incoming) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in == orphan {
		p.orphaned[id] = true
	} else {
		p.adopted[id] = in
	}
}

// known returns the state recorded for goroutine id, orphan included, or nil.
func (p *processState) known(id uint64) *incoming {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in := p.goroutines[id]; in != nil {
		return in
	}
	if in := p.adopted[id]; in != nil {
		return in
	}
	if p.orphaned[id] {
		return orphan
	}
	return nil
}

// orRoot returns in, or the root state for an orphan.
func (p *processState) orRoot(in *incoming) *incoming {
	if in != orphan {
		return in
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.root
}

// ancestor returns the state of the nearest ancestor of goroutine id that serves a
// request (or served one and returned), or orphan. A goroutine names the goroutine
// that created it at the end of its stack trace; an ancestor further up is found
// through the stack traces of every goroutine, taken only when the parent is not known
// (this stops the world for a moment, once per goroutine). A chain through a goroutine
// that has exited is lost: the call is logged once and belongs to no request.
func (p *processState) ancestor(id uint64) *incoming {
	p.mu.Lock()
	none := len(p.goroutines) == 0 && len(p.adopted) == 0
	p.mu.Unlock()
	if none {
		// No request is being served or was served in this execution: there is
		// nothing to find (a test making calls on goroutines of its own, thousands of
		// them, must not pay for stack traces).
		return orphan
	}
	parent := createdBy(stack(false))
	var parents map[uint64]uint64
	for hops := 0; parent != 0 && hops < 1000; hops++ {
		if in := p.known(parent); in != nil {
			return in
		}
		if parents == nil {
			if n := goruntime.NumGoroutine(); n > maxTraced {
				// Every goroutine's stack trace would cost too much; the direct
				// parent was the cheap chance.
				if p.orphans.CompareAndSwap(false, true) {
					log.Printf("filibuster: a call was made on goroutine %d, whose parent goroutine %d serves no request, "+
						"among %d goroutines: its ancestry is not traced and it is attributed to no request "+
						"(pass the request's context to the call to keep it; logged once)", id, parent, n)
				}
				return orphan
			}
			parents = parseParents(stack(true))
		}
		next, alive := parents[parent]
		if !alive {
			if p.orphans.CompareAndSwap(false, true) {
				log.Printf("filibuster: a call was made on goroutine %d, started by goroutine %d, "+
					"which has exited: it is attributed to no request (pass the request's context "+
					"to the call to keep it; logged once)", id, parent)
			}
			return orphan
		}
		parent = next
	}
	return orphan
}

// stack returns the stack trace of the calling goroutine, or of every goroutine.
func stack(all bool) []byte {
	buf := make([]byte, 8<<10)
	for {
		n := goruntime.Stack(buf, all)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// createdBy returns the id of the goroutine that created the goroutine whose stack
// trace is tr ("created by main.handler in goroutine 42"), or 0.
func createdBy(tr []byte) uint64 {
	i := bytes.LastIndex(tr, []byte("\ncreated by "))
	if i < 0 {
		return 0
	}
	line := tr[i+1:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	k := bytes.LastIndex(line, []byte(" in goroutine "))
	if k < 0 {
		return 0
	}
	id, _ := strconv.ParseUint(string(line[k+len(" in goroutine "):]), 10, 64)
	return id
}

// parseParents reads the stack traces of every goroutine and returns, for each, the id
// of the goroutine that created it (0 for one the runtime started).
func parseParents(all []byte) map[uint64]uint64 {
	parents := make(map[uint64]uint64)
	for _, tr := range bytes.Split(all, []byte("\n\n")) {
		tr = bytes.TrimSpace(tr)
		if !bytes.HasPrefix(tr, []byte("goroutine ")) {
			continue
		}
		parents[headerID(tr)] = createdBy(tr)
	}
	return parents
}

// Fork is called by generated code right before each go statement of an instrumented
// package: the calling goroutine records the request it belongs to, so that the
// goroutine it starts, and the ones that one starts, find it even after the calling
// goroutine has exited. Inert, it does nothing.
func Fork() {
	if !current().instrumenting() {
		return
	}
	states.resolve(goroutineID())
}

// enter records that the current goroutine serves a request with state in, and
// returns the function that forgets it. A handler that has returned is kept among
// the adopted goroutines, so that the calls of goroutines it left running still
// belong to its request, until the next test execution begins.
func (p *processState) enter(in *incoming) func() {
	id := goroutineID()
	in.goroutine = id
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
			p.adopted[id] = in
		}
		p.mu.Unlock()
	}
}

// onlyHandler reports whether in's handler is the only one the process is serving.
func (p *processState) onlyHandler(in *incoming) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.goroutines) == 1 && p.goroutines[in.goroutine] == in
}

// newTestExecution forgets every request's clocks and counters of service
// (protocol.md §3.1).
func (p *processState) newTestExecution(service string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.forget(service, noExecution)
}

// forget replaces service's clocks and counters with none, belonging to execution,
// and forgets the goroutines adopted in the last execution; p.mu must be held.
func (p *processState) forget(service string, execution int64) {
	p.services[service] = newServiceState(execution)
	p.adopted = make(map[uint64]*incoming)
	p.orphaned = make(map[uint64]bool)
}

// join records the answer to service's new-test-execution from a coordinator that
// names its executions: the clocks belong to execution, forgotten first when fresh
// (the answer was true), kept otherwise as a false answer keeps them. Clocks that
// already belong to an execution keep it on a false answer: they are then renewed by
// the first create that carries it, if it is not the current one.
func (p *processState) join(service string, execution int64, fresh bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fresh {
		p.forget(service, execution)
		return
	}
	if st := p.service(service); st.execution == noExecution {
		st.execution = execution
	}
}

// renew forgets service's clocks and counters, as a true new-test-execution answer
// does, if they still belong to execution old, and makes them belong to execution
// current; it reports whether it did. Of the calls that raced with one stale
// execution, the first to be answered renews the clocks and the others find them
// renewed: each execution forgets them once.
func (p *processState) renew(service string, old, current int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.service(service).execution != old {
		return false
	}
	p.forget(service, current)
	return true
}

// catchUp makes service's clocks and counters belong to execution, forgetting them
// as a new test execution does, when they belong to an earlier one: a request that
// names its execution (headerExecution) tells the callee of a new execution before
// the callee's first call would. A request of an earlier execution, arriving late,
// changes nothing.
func (p *processState) catchUp(service string, execution int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.service(service).execution < execution {
		p.forget(service, execution)
	}
}

// advance computes a call's vector clock and execution index for service and key:
// it merges the incoming clock, increments the service's count, and pushes the key
// onto the incoming (or empty) execution index with its per-request count. It also
// returns the execution the clocks belong to (serviceState.execution), read with
// them, so that a create names the execution its clock and index were computed in.
func (p *processState) advance(in *incoming, service, key string) (*vclock, executionIndex, int64) {
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
	return vc.clone(), ei, st.execution
}

// goroutineID returns the id of the calling goroutine, read from its stack header
// ("goroutine 42 [running]:").
func goroutineID() uint64 {
	var buf [64]byte
	return headerID(buf[:goruntime.Stack(buf[:], false)])
}

// headerID reads the id in a stack trace's header line ("goroutine 42 [running]:").
func headerID(tr []byte) uint64 {
	b := bytes.TrimPrefix(tr, []byte("goroutine "))
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
