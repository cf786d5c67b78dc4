package runtime

import (
	"encoding/json"
	"io"
	"net/http"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
)

var (
	siteFanA = Site{ID: "site-fan-a", File: "b/main.go", Line: 30, Func: "main.fanOut"}
	siteFanB = Site{ID: "site-fan-b", File: "b/main.go", Line: 31, Func: "main.fanOut"}
)

// TestGoroutinesBelongToTheirRequest checks that calls made on goroutines a handler
// started, with no context passed, are attributed to the handler's request: their
// execution index extends the one B received from A and their request id is A's. It
// covers a WaitGroup fan-out, a goroutine's goroutine, and a goroutine started through
// a library function (as errgroup.Group.Go does).
func TestGoroutinesBelongToTheirRequest(t *testing.T) {
	coord := startCoordinator(t)
	c := startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "c")
	})
	get := func(site Site, u string) {
		resp, err := Get(site, nil, u) // no scope: only the goroutine can tell
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	shapes := map[string]func(){
		"waitgroup": func() {
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); get(siteFanA, c.url+"/one") }()
			go func() { defer wg.Done(); get(siteFanB, c.url+"/two") }()
			wg.Wait()
		},
		"nested": func() {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				var inner sync.WaitGroup
				inner.Add(2)
				go func() { defer inner.Done(); get(siteFanA, c.url+"/one") }()
				go func() { defer inner.Done(); get(siteFanB, c.url+"/two") }()
				inner.Wait()
			}()
			wg.Wait()
		},
		"library": func() {
			var g group
			g.Go(func() { get(siteFanA, c.url+"/one") })
			g.Go(func() { get(siteFanB, c.url+"/two") })
			g.Wait()
		},
	}
	for name, fanOut := range shapes {
		t.Run(name, func(t *testing.T) {
			b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
				fanOut()
				io.WriteString(w, "b")
			})
			coord.newExecution()
			resp, err := Get(siteAB, nil, b.url+"/b")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			var creates []map[string]any
			for _, ex := range coord.exchanges() {
				if ex.path == "/filibuster/create" {
					creates = append(creates, ex.body)
				}
			}
			if len(creates) != 3 {
				t.Fatalf("%d calls reported, want 3", len(creates))
			}
			root := creates[0]["execution_index"].(string)
			if _, ok := creates[0]["on_goroutine"]; ok {
				t.Error("a call made outside any handler says on_goroutine")
			}
			prefix := strings.TrimSuffix(root, "]")
			for _, cr := range creates[1:] {
				got := cr["execution_index"].(string)
				if !strings.HasPrefix(got, prefix+", [") {
					t.Errorf("goroutine call's execution index %s does not extend B's %s", got, root)
				}
				if cr["on_goroutine"] != true {
					t.Errorf("goroutine call's on_goroutine is %v, want true", cr["on_goroutine"])
				}
				if cr["source_service_name"] != "B" {
					t.Errorf("goroutine call reported by %v, want B", cr["source_service_name"])
				}
				if got := canonicalJSON(cr["origin_vclock"]); got != canonicalJSON(creates[0]["vclock"]) {
					t.Errorf("origin vclock %s, want A's call vclock %s", got, canonicalJSON(creates[0]["vclock"]))
				}
			}
			// Different sites never shift each other's counts: both are 1 whatever
			// the goroutines' order.
			for _, cr := range creates[1:] {
				if got := cr["execution_index"].(string); !strings.HasSuffix(got, `, 1]]`) {
					t.Errorf("goroutine call's execution index %s: want count 1", got)
				}
			}
		})
	}
}

// TestOrphanGoroutine checks that a call on a goroutine whose parent goroutine has
// exited is attributed to no request, and that this is logged once.
func TestOrphanGoroutine(t *testing.T) {
	logs := captureLog(t)
	eis := grandchildCall(t, false)
	if len(eis) != 2 || strings.Count(eis[1], "[") != 2 {
		t.Errorf("execution indexes %v: want the orphan's to be a root call", eis)
	}
	if !strings.Contains(logs.String(), "attributed to no request") {
		t.Errorf("the orphaned call was not logged:\n%s", logs)
	}
}

// TestForkKeepsExitedParents checks that a goroutine that called Fork before its go
// statement (as instrumented code does) passes its request on to the goroutine it
// started, even after it has exited.
func TestForkKeepsExitedParents(t *testing.T) {
	eis := grandchildCall(t, true)
	if len(eis) != 2 || !strings.HasPrefix(eis[1], strings.TrimSuffix(eis[0], "]")+", [") {
		t.Errorf("execution indexes %v: want the grandchild's call to extend B's", eis)
	}
}

// grandchildCall has A call B, whose handler starts a goroutine that starts another and
// exits; the second then calls C. With fork, each goroutine calls Fork before its go
// statement, as instrumented code does. It returns the execution indexes of the calls
// reported: A's to B, and the grandchild's to C.
func grandchildCall(t *testing.T, fork bool) []string {
	t.Helper()
	coord := startCoordinator(t)
	c := startService(t, "C", func(s *service, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "c")
	})
	b := startService(t, "B", func(s *service, w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		started := make(chan struct{})
		if fork {
			Fork()
		}
		go func() {
			if fork {
				Fork()
			}
			go func() {
				<-started // the intermediate goroutine has exited
				resp, err := Get(siteFanA, nil, c.url+"/one")
				if err == nil {
					resp.Body.Close()
				}
				close(done)
			}()
		}()
		waitGone(t, "grandchildCall.func2.1()")
		close(started)
		<-done
	})
	coord.newExecution()
	resp, err := Get(siteAB, nil, b.url+"/b")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var eis []string
	for _, ex := range coord.exchanges() {
		if ex.path == "/filibuster/create" {
			eis = append(eis, ex.body["execution_index"].(string))
		}
	}
	return eis
}

// waitGone gives a just-started goroutine that only starts another the time to exit,
// by yielding until no goroutine is in the function fn.
func waitGone(t *testing.T, fn string) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if !strings.Contains(string(stack(true)), fn) {
			return
		}
		goruntime.Gosched()
	}
	t.Fatalf("no goroutine should be left in %s", fn)
}

// group starts functions on goroutines of its own, as errgroup.Group does.
type group struct{ wg sync.WaitGroup }

func (g *group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

func (g *group) Wait() { g.wg.Wait() }

// canonicalJSON encodes v with sorted keys, for comparisons.
func canonicalJSON(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// TestOnGoroutine checks which calls count as made on a goroutine the handler started:
// none of the handler's own, whether it is the only request served (when its stack
// tells, without the goroutine's id) or one of two served at once (when the ids do);
// every one made on a goroutine it started.
func TestOnGoroutine(t *testing.T) {
	startCoordinator(t)
	var mu sync.Mutex
	results := make(map[string]bool)
	record := func(key string, v bool) {
		mu.Lock()
		results[key] = v
		mu.Unlock()
	}
	var inside sync.WaitGroup // holds each handler until every one has started
	s := startService(t, "S", func(s *service, w http.ResponseWriter, r *http.Request) {
		in := fromContext(r.Context())
		tag := r.URL.Query().Get("tag")
		inside.Done()
		inside.Wait()
		if tag == "alone" {
			var pcs [maxBelow + 32]uintptr
			n := goruntime.Callers(1, pcs[:])
			record("stack tells", in.below != nil && endsWith(pcs[:n], in.below) && states.onlyHandler(in))
		}
		record(tag+" handler", in.onGoroutine())
		done := make(chan struct{})
		go func() {
			defer close(done)
			record(tag+" goroutine", in.onGoroutine())
		}()
		<-done
	})
	get := func(tag string) {
		resp, err := http.Get(s.url + "/?tag=" + tag)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	inside.Add(1)
	get("alone")
	inside.Add(2)
	var wg sync.WaitGroup
	for _, tag := range []string{"first", "second"} {
		wg.Add(1)
		go func() { defer wg.Done(); get(tag) }()
	}
	wg.Wait()
	want := map[string]bool{
		"stack tells":   true,
		"alone handler": false, "alone goroutine": true,
		"first handler": false, "first goroutine": true,
		"second handler": false, "second goroutine": true,
	}
	for k, v := range want {
		if got, ok := results[k]; !ok || got != v {
			t.Errorf("%s: on a goroutine %t (recorded %t), want %t", k, got, ok, v)
		}
	}
}
