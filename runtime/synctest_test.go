// testing/synctest is Go 1.25's; the module supports Go 1.22. Its go line would give
// this test binary Go 1.22's timers, under which synctest does not run.

//go:build go1.25

//go:debug asynctimerchan=0

package runtime

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
)

// memTransport answers every request in memory, with no goroutine of its own, so it
// can serve a call made inside a testing/synctest bubble.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), ContentLength: 2, Header: http.Header{}, Request: req}, nil
}

// TestSynctestBubble checks that instrumented calls made inside testing/synctest
// bubbles and outside them can follow each other: the coordinator's connections are
// never shared across a bubble's edge (go-github's tests crashed with "send on
// synctest channel from outside bubble"), and a bubble does not wait forever for an
// idle connection's goroutines.
func TestSynctestBubble(t *testing.T) {
	coord := startCoordinator(t)
	c := &http.Client{Transport: memTransport{}}
	call := func() {
		req, _ := http.NewRequest("GET", "http://example.invalid/x", nil)
		resp, err := ClientDo(siteRoot, nil, c, req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	call() // outside: the coordinator's connections are kept alive
	for i := 0; i < 2; i++ {
		synctest.Test(t, func(t *testing.T) { call() })
	}
	call()
	creates := 0
	for _, ex := range coord.exchanges() {
		if ex.path == "/filibuster/create" {
			creates++
		}
	}
	if creates != 4 {
		t.Errorf("%d calls reported, want 4", creates)
	}
}
