package coordinator

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Parallel exploration (Options.Parallel) gives the sequential exploration's answers.
//
// The sequential exploration runs one execution, finishes it (which schedules the
// executions it calls for), then pops the next scheduled one, skipping those dynamic
// reduction prunes. With K lanes, Explore still finishes the executions one at a time
// in that order; while the execution whose turn it is runs, the idle lanes run ahead
// on other scheduled executions, the next ones to be popped first. A result is kept
// until its execution's turn comes, and then finished exactly as if it had just run.
//
// This relies on what the sequential exploration already relies on: an execution's
// calls and outcomes depend on its planned faults only, not on when it runs or on
// which copy of the application. Every scheduled execution is popped in its turn
// unless the exploration stops first, and one that reduction prunes when it is
// considered for running ahead is pruned in its turn too (more finished executions
// only cover more), so it is never run ahead. The waste is what reduction prunes
// after it was run ahead, and what was still running when the exploration stopped
// (a failure, MaxTests): Summary.Discarded. Without dynamic reduction, only a stop
// wastes work.

// A job is one run of the functional test with a plan's faults, on one lane.
type job struct {
	done   chan struct{}      // closed when the run is over
	cancel context.CancelFunc // stops a run whose result is not wanted
	ahead  bool               // started before its turn

	ex     *execution
	passed bool
	err    error
	took   time.Duration
}

// A runner runs the plans of one exploration on the coordinator's lanes. Only the
// goroutine running Explore calls its methods.
type runner struct {
	c      *Coordinator
	ctx    context.Context
	cancel context.CancelFunc
	free   chan int       // the idle lanes: Coordinator.free
	jobs   map[*plan]*job // started and not yet taken by result or discard
	wg     sync.WaitGroup

	// pruned holds plans that dynamic reduction already prunes, which speculate
	// skips: they stay pruned.
	pruned map[*plan]bool

	ahead, discarded int
	reductionTime    time.Duration // spent deciding what not to run ahead
}

func (c *Coordinator) newRunner(ctx context.Context) *runner {
	ctx, cancel := context.WithCancel(ctx)
	return &runner{c: c, ctx: ctx, cancel: cancel, free: c.free,
		jobs: make(map[*plan]*job), pruned: make(map[*plan]bool)}
}

// start runs p, the number-th execution, unless it already runs; it waits for an
// idle lane, with workers (Options.Workers) no longer than the worker timeout.
func (r *runner) start(p *plan, number int) error {
	if r.jobs[p] != nil {
		return nil
	}
	var expired <-chan time.Time
	if r.c.workers != nil {
		t := time.NewTimer(r.c.workerTimeout())
		defer t.Stop()
		expired = t.C
	}
	select {
	case lane := <-r.free:
		r.launch(p, number, lane)
		return nil
	case <-expired:
		return fmt.Errorf("no worker was ready to run execution %d within %s (start them with filibuster-gen worker)", number, r.c.workerTimeout())
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// launch runs p on lane, as the number-th execution (0: ahead of its turn).
func (r *runner) launch(p *plan, number, lane int) {
	ctx, cancel := context.WithCancel(r.ctx)
	j := &job{done: make(chan struct{}), cancel: cancel, ahead: number == 0}
	if j.ahead {
		r.ahead++
	}
	r.jobs[p] = j
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		t := time.Now()
		j.ex, j.passed, j.err = r.c.run(ctx, p, number, lane)
		j.took = time.Since(t)
		r.free <- lane
		close(j.done)
	}()
}

// speculate starts, on each idle lane, the scheduled execution that comes soonest
// in the sequential order among those not started yet and not pruned.
//
// With one lane nothing runs ahead: the lane is idle only once the execution whose
// turn it is has ended, and running the next one then, before that execution is
// finished, would run the executions one at a time in an order other than the
// sequential one (a functional test that expects them in that order, as a replayed
// transcript does, would see them shuffled) for nothing gained.
func (r *runner) speculate() {
	if len(r.c.lanes) < 2 {
		return
	}
	for {
		var lane int
		select {
		case lane = <-r.free:
		default:
			return
		}
		p := r.nextAhead()
		if p == nil {
			r.free <- lane
			return
		}
		r.launch(p, 0, lane)
	}
}

// nextAhead returns the scheduled plan that pop would return soonest that is neither
// started nor pruned by dynamic reduction now, or nil.
func (r *runner) nextAhead() *plan {
	c := r.c
	c.mu.Lock()
	n := len(c.scheduled)
	order := make([]*plan, n)
	for i, p := range c.scheduled {
		if c.opts.BreadthFirst {
			order[i] = p
		} else {
			order[n-1-i] = p
		}
	}
	c.mu.Unlock()
	for _, p := range order {
		if r.jobs[p] != nil || r.pruned[p] {
			continue
		}
		if c.opts.DynamicReduction && c.prunableTimed(p, &r.reductionTime) {
			r.pruned[p] = true
			continue
		}
		return p
	}
	return nil
}

// result waits for p's run and returns it.
func (r *runner) result(p *plan) *job {
	j := r.jobs[p]
	<-j.done
	delete(r.jobs, p)
	return j
}

// discard throws away p's run, if it was started, stopping it when it still runs.
func (r *runner) discard(p *plan) {
	delete(r.pruned, p)
	if j := r.jobs[p]; j != nil {
		j.cancel()
		delete(r.jobs, p)
		r.discarded++
	}
}

// stop discards every run not taken and waits for all of them to end.
func (r *runner) stop() {
	for p := range r.jobs {
		r.discard(p)
	}
	r.cancel()
	r.wg.Wait()
}
