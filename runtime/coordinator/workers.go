package coordinator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Workers run the lanes of an exploration in processes of their own, on other
// machines as well, each with a copy of the application (Options.Workers). They speak
// HTTP to the coordinator:
//
//	POST /filibuster/workers          registers a worker: {"lane": n}, the lane it runs;
//	                                  409 when every lane has one
//	GET  /lanes/n/filibuster/lease    waits up to LeaseWait for an execution to run:
//	                                  {"execution": {"number": k, "faults": [...]}}, or
//	                                  {"done": true} when the exploration is over, or {}
//	                                  (lease again)
//	POST /lanes/n/filibuster/result   the execution's outcome: {"passed": bool,
//	                                  "output": "..."}, or {"error": "..."} when the
//	                                  functional test could not be run
//	POST /lanes/n/filibuster/leave    {"error": "..."}: the worker cannot go on (its
//	                                  copy did not start); the exploration fails with
//	                                  the error instead of waiting for the lane
//
// A worker starts its copy of the application with FILIBUSTER_URL set to its lane's
// URL (LaneURL), then leases, runs the functional test against its copy and posts the
// result, until it is told the exploration is done. Lane 0 is a lane like the others.
// A lane runs one execution at a time, so "number" and "faults" are for the worker's
// log only: the services' reports carry what the coordinator needs.

// LeaseWait is how long a lease request waits for an execution before answering {}.
const LeaseWait = 20 * time.Second

// workerTimeout bounds the wait for a worker's result, from when its execution is
// handed out (Options.WorkerTimeout overrides it).
const workerTimeout = 10 * time.Minute

// leased is an execution handed to a lane's worker, and where its result goes.
type leased struct {
	x      *Execution
	result chan workResult
}

type workResult struct {
	Passed bool   `json:"passed"`
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
}

// workers is the coordinator's side of the worker protocol.
type workers struct {
	leases  []chan leased   // per lane: the execution to hand out
	pending []chan leased   // per lane: the execution handed out, awaiting its result
	gone    []chan struct{} // per lane: closed when its worker left
	over    chan struct{}   // closed when Explore returns

	// Guarded by Coordinator.mu:
	registered int           // lanes given out
	why        []string      // per lane: why its worker left
	told       []bool        // per lane: its worker was told the exploration is over, or left
	ended      chan struct{} // closed once every registered worker is told or left
	isEnded    bool
}

func newWorkers(lanes int) *workers {
	w := &workers{leases: make([]chan leased, lanes), pending: make([]chan leased, lanes), gone: make([]chan struct{}, lanes),
		over: make(chan struct{}), why: make([]string, lanes), told: make([]bool, lanes), ended: make(chan struct{})}
	for i := range w.leases {
		w.leases[i] = make(chan leased)
		w.pending[i] = make(chan leased, 1)
		w.gone[i] = make(chan struct{})
	}
	return w
}

// end notes that lane's worker is done with the exploration. c.mu must be held.
func (w *workers) end(lane int) {
	if w.told[lane] {
		return
	}
	w.told[lane] = true
	for _, told := range w.told[:w.registered] {
		if !told || w.isEnded {
			return
		}
	}
	w.isEnded = true
	close(w.ended)
}

// AwaitWorkers waits, once Explore returned, until every registered worker was told
// the exploration is over or left, or timeout passes, so that the coordinator is not
// stopped under a worker about to lease again. Without workers it returns at once.
func (c *Coordinator) AwaitWorkers(timeout time.Duration) {
	if c.workers == nil {
		return
	}
	c.mu.Lock()
	none := c.workers.registered == 0
	c.mu.Unlock()
	if none {
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.workers.ended:
	case <-t.C:
	}
}

// leave takes lane's worker out: the executions given to the lane fail with why.
func (c *Coordinator) leave(lane int, r *http.Request) (any, error) {
	var res workResult
	if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("leave: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if lane >= c.workers.registered || c.workers.why[lane] != "" {
		return nil, fmt.Errorf("lane %d has no worker", lane)
	}
	c.workers.why[lane] = res.Error
	if c.workers.why[lane] == "" {
		c.workers.why[lane] = "it left"
	}
	close(c.workers.gone[lane])
	c.workers.end(lane)
	return map[string]any{}, nil
}

// register gives the next lane to a worker and makes it available to the runner.
func (c *Coordinator) register() (any, int) {
	c.mu.Lock()
	lane := c.workers.registered
	if c.workers.isEnded {
		c.mu.Unlock()
		return map[string]string{"error": "the exploration is over"}, http.StatusConflict
	}
	if lane >= len(c.lanes) {
		c.mu.Unlock()
		return map[string]string{"error": fmt.Sprintf("every one of the %d lanes has a worker", len(c.lanes))}, http.StatusConflict
	}
	c.workers.registered++
	c.mu.Unlock()
	c.free <- lane
	return map[string]int{"lane": lane}, http.StatusOK
}

// lease hands lane's worker the next execution it is to run, waiting up to LeaseWait;
// over says the answer tells the worker the exploration is over.
func (c *Coordinator) lease(ctx context.Context, lane int) (answer any, over bool) {
	w := c.workers
	t := time.NewTimer(LeaseWait)
	defer t.Stop()
	select {
	case l := <-w.leases[lane]:
		w.pending[lane] <- l
		return map[string]any{"execution": map[string]any{"number": l.x.Number, "faults": l.x.Faults}}, false
	case <-w.over:
		return map[string]bool{"done": true}, true
	case <-t.C:
	case <-ctx.Done():
	}
	return map[string]any{}, false
}

// told notes that lane's worker was told the exploration is over, once the answer
// written to rw is flushed: AwaitWorkers, which lets the coordinator be stopped, must
// not return before the answer left.
func (c *Coordinator) told(lane int, rw http.ResponseWriter) {
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.workers.end(lane)
}

// result takes the outcome of the execution lane's worker ran.
func (c *Coordinator) result(lane int, r *http.Request) (any, error) {
	var res workResult
	if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	select {
	case l := <-c.workers.pending[lane]:
		l.result <- res
		return map[string]any{}, nil
	default:
		return nil, fmt.Errorf("lane %d has no execution leased", lane)
	}
}

// workerTimeout is Options.WorkerTimeout or its default.
func (c *Coordinator) workerTimeout() time.Duration {
	if c.opts.WorkerTimeout > 0 {
		return c.opts.WorkerTimeout
	}
	return workerTimeout
}

// remoteTest is the functional test of a lane run by a worker: it hands the
// execution to the worker and waits for its result.
func (c *Coordinator) remoteTest(ctx context.Context) (bool, error) {
	x := ExecutionFrom(ctx)
	l := leased{x: x, result: make(chan workResult, 1)}
	timeout := c.workerTimeout()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case c.workers.leases[x.Lane] <- l:
	case <-c.workers.gone[x.Lane]:
		c.mu.Lock()
		defer c.mu.Unlock()
		return false, fmt.Errorf("the worker of lane %d left: %s", x.Lane, c.workers.why[x.Lane])
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return false, fmt.Errorf("the worker of lane %d did not lease its next execution within %s", x.Lane, timeout)
	}
	// Once leased, the execution is waited for even when it is no longer wanted: the
	// lane is not given another one while the worker's copy may still report to it.
	select {
	case res := <-l.result:
		x.SetOutput(res.Output)
		if res.Error != "" {
			return false, fmt.Errorf("the worker of lane %d: %s", x.Lane, res.Error)
		}
		return res.Passed, nil
	case <-t.C:
		return false, fmt.Errorf("the worker of lane %d did not report execution %d within %s", x.Lane, x.Number, timeout)
	}
}
