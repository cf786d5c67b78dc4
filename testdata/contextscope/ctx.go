// Package contextscope passes a context in scope to the runtime.
package contextscope

import (
	"context"
	"net/http"
)

func Fetch(ctx context.Context, c *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

func Handle(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	resp, err := http.Get("http://127.0.0.1:1/")
	if err == nil {
		resp.Body.Close()
	}
	_ = ctx
}

func NoScope(c *http.Client, req *http.Request) (*http.Response, error) {
	// req is the outgoing request, not a handler's: no scope.
	return c.Do(req)
}
