package coordinator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// tree plays, against the lane at base, an application whose calls depend on the
// faults it gets, as real ones do: a calls a1 and a2 when it is not failed; b is
// called next, and c when b failed (a fallback); d last. With failOn, the execution
// fails when every call it names was failed.
type tree struct {
	t      *testing.T
	failOn []string
}

// call reports one call and its completion; it returns whether it was failed.
func (tr *tree) call(base, key, ei, vclock, origin string) bool {
	body := fmt.Sprintf(`{"execution_index": %q, "module": "net/http", "method": "GET", "source_service_name": "s",
		"vclock": %s, "origin_vclock": %s, "metadata": {}, "args": ["1/%s"]}`, ei, vclock, origin, key)
	m := tr.post(http.MethodPut, base+"/filibuster/create", body)
	if m["forced_exception"] != nil || m["failure_metadata"] != nil {
		return true
	}
	id := m["generated_id"]
	tr.post(http.MethodPost, base+"/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "request_received", "generated_id": %v, "target_service_name": %q}`, id, key))
	tr.post(http.MethodPost, base+"/filibuster/update", fmt.Sprintf(`{"instrumentation_type": "invocation_complete", "generated_id": %v, "return_value": {"status_code": "200"}}`, id))
	return false
}

func (tr *tree) post(method, url, body string) map[string]any {
	req, _ := http.NewRequest(method, url, strings.NewReader(strings.ReplaceAll(body, "\n", " ")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tr.t.Error(err)
		return nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// play runs the application once against base and reports whether it passed.
func (tr *tree) play(base string) bool {
	tr.post(http.MethodGet, base+"/filibuster/new-test-execution/s", "")
	failed := make(map[string]bool)
	root := func(key string, n int) string { return fmt.Sprintf(`[["%s", 1]]`, key) }
	child := func(parent, key string) string {
		return strings.TrimSuffix(parent, "]") + fmt.Sprintf(`, ["%s", 1]]`, key)
	}
	clock := 0
	next := func() string { clock++; return fmt.Sprintf(`{"s": %d}`, clock) }
	aClock := next()
	failed["a"] = tr.call(base, "a", root("a", 1), aClock, "{}")
	if !failed["a"] {
		failed["a1"] = tr.call(base, "a1", child(root("a", 1), "a1"), next(), aClock)
		failed["a2"] = tr.call(base, "a2", child(root("a", 1), "a2"), next(), aClock)
	}
	failed["b"] = tr.call(base, "b", root("b", 1), next(), "{}")
	if failed["b"] {
		failed["c"] = tr.call(base, "c", root("c", 1), next(), "{}")
	}
	failed["d"] = tr.call(base, "d", root("d", 1), next(), "{}")
	if len(tr.failOn) == 0 {
		return true
	}
	for _, k := range tr.failOn {
		if !failed[k] {
			return true
		}
	}
	return false
}

// exploreTree explores tr with opts (Parallel, Workers, DynamicReduction) and returns
// the summary and the progress lines.
func exploreTree(t *testing.T, tr *tree, opts Options) (*Summary, string) {
	t.Helper()
	var progress bytes.Buffer
	opts.Progress = &progress
	opts.Analysis = oneError(t)
	c := New(opts)
	srv := httptest.NewServer(c)
	defer srv.Close()
	var wg sync.WaitGroup
	if opts.Workers {
		// Workers, as processes would: register, lease, play, report.
		for range opts.Parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lane := tr.post(http.MethodPost, srv.URL+"/filibuster/workers", "{}")["lane"].(float64)
				base := LaneURL(srv.URL, int(lane))
				for {
					l := tr.post(http.MethodGet, base+"/filibuster/lease", "")
					if l["done"] == true {
						return
					}
					if l["execution"] == nil {
						continue
					}
					tr.post(http.MethodPost, base+"/filibuster/result", fmt.Sprintf(`{"passed": %t}`, tr.play(base)))
				}
			}()
		}
	} else {
		c.SetFunctionalTest(func(ctx context.Context) (bool, error) {
			return tr.play(LaneURL(srv.URL, ExecutionFrom(ctx).Lane)), nil
		})
	}
	s, err := c.Explore(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return s, progress.String()
}

// TestParallelSameAnswers checks that 2 to 4 lanes, run here or by workers over HTTP,
// give the progress lines (every execution in order, its faults, verdict and the
// counts ran, pruned and queued after it) and the summary of one lane, with and without
// dynamic reduction, also when an execution fails and stops the exploration.
func TestParallelSameAnswers(t *testing.T) {
	for _, failOn := range [][]string{nil, {"a1", "c"}} {
		for _, dr := range []bool{false, true} {
			tr := &tree{t: t, failOn: failOn}
			want, wantProgress := exploreTree(t, tr, Options{DynamicReduction: dr})
			if want.ExecutionsRan < 10 {
				t.Fatalf("fail on %v, reduction %t: only %d executions; the application is too small to tell", failOn, dr, want.ExecutionsRan)
			}
			if dr && failOn == nil && want.Pruned == 0 {
				t.Fatalf("reduction pruned nothing: the application does not exercise it")
			}
			for _, workers := range []bool{false, true} {
				for k := 2; k <= 4; k++ {
					name := fmt.Sprintf("fail on %v, reduction %t, %d lanes, workers %t", failOn, dr, k, workers)
					s, progress := exploreTree(t, tr, Options{DynamicReduction: dr, Parallel: k, Workers: workers})
					if progress != wantProgress {
						t.Errorf("%s: progress differs from one lane's:\n%s\nwant:\n%s", name, progress, wantProgress)
					}
					if s.ExecutionsRan != want.ExecutionsRan || s.Pruned != want.Pruned || s.Passed != want.Passed || s.Failed != want.Failed {
						t.Errorf("%s: ran %d, pruned %d, passed %d, failed %t; one lane: %d, %d, %d, %t", name,
							s.ExecutionsRan, s.Pruned, s.Passed, s.Failed, want.ExecutionsRan, want.Pruned, want.Passed, want.Failed)
					}
					if s.Lanes != k || s.RanAhead == 0 {
						t.Errorf("%s: %d lanes, %d run ahead; want %d lanes and some run ahead", name, s.Lanes, s.RanAhead, k)
					}
					if !dr && failOn == nil && s.Discarded != 0 {
						t.Errorf("%s: %d runs discarded, want none: without reduction every run ahead is used", name, s.Discarded)
					}
				}
			}
		}
	}
}

// TestWorkersNeverCome checks that an exploration with workers that never register
// ends with an error naming what to do, instead of waiting forever.
func TestWorkersNeverCome(t *testing.T) {
	c := New(Options{Parallel: 2, Workers: true, WorkerTimeout: 50 * time.Millisecond, Analysis: oneError(t)})
	_, err := c.Explore(context.Background())
	if err == nil || !strings.Contains(err.Error(), "filibuster-gen worker") {
		t.Errorf("err = %v, want one saying no worker came", err)
	}
}

// TestWorkerLanesTaken checks that a worker beyond the lanes is refused.
func TestWorkerLanesTaken(t *testing.T) {
	srv := httptest.NewServer(New(Options{Parallel: 1, Workers: true}))
	defer srv.Close()
	if code, m := do(t, srv, "POST", "/filibuster/workers", "{}"); code != http.StatusOK || m["lane"] != float64(0) {
		t.Fatalf("first worker: %d %v, want 200 and lane 0", code, m)
	}
	if code, m := do(t, srv, "POST", "/filibuster/workers", "{}"); code != http.StatusConflict || !strings.Contains(fmt.Sprint(m["error"]), "1 lanes") {
		t.Errorf("second worker: %d %v, want 409 naming the lanes", code, m)
	}
	if code, _ := do(t, srv, "GET", "/lanes/1/filibuster/create", ""); code != http.StatusNotFound {
		t.Errorf("lane 1 of 1: %d, want 404", code)
	}
}

// TestWorkerLeaves checks that a worker that cannot start its copy and leaves makes the
// exploration fail with its reason, instead of waiting for its lane.
func TestWorkerLeaves(t *testing.T) {
	c := New(Options{Parallel: 1, Workers: true, Analysis: oneError(t)})
	srv := httptest.NewServer(c)
	defer srv.Close()
	if code, m := do(t, srv, "POST", "/filibuster/workers", "{}"); code != http.StatusOK || m["lane"] != float64(0) {
		t.Fatalf("register: %d %v", code, m)
	}
	if code, m := do(t, srv, "POST", "/filibuster/leave", `{"error": "finding 4 free ports for shop: address in use"}`); code != http.StatusOK {
		t.Fatalf("leave: %d %v", code, m)
	}
	_, err := c.Explore(context.Background())
	if err == nil || !strings.Contains(err.Error(), "lane 0 left: finding 4 free ports") {
		t.Errorf("err = %v, want the worker's reason", err)
	}
	c.AwaitWorkers(time.Second) // returns at once: the one worker left
}

// TestOneLaneNeverRunsAhead checks that with one lane the next scheduled execution
// is not started when the lane comes free before the execution whose turn it is was
// finished (CI saw a replayed transcript's executions taken out of order when the
// functional test ended before Explore looked for an idle lane).
func TestOneLaneNeverRunsAhead(t *testing.T) {
	started := 0
	c := New(Options{FunctionalTest: func(context.Context) (bool, error) {
		started++
		return true, nil
	}})
	c.scheduled = []*plan{{}, {}}
	r := c.newRunner(context.Background())
	defer r.stop()
	if err := r.start(c.scheduled[1], 1); err != nil {
		t.Fatal(err)
	}
	<-r.jobs[c.scheduled[1]].done // the lane is free again: the run is over
	r.speculate()
	if len(r.jobs) != 1 || r.ahead != 0 || started != 1 {
		t.Errorf("one lane: %d jobs, %d run ahead, the functional test started %d times; want 1, 0, 1", len(r.jobs), r.ahead, started)
	}
}
