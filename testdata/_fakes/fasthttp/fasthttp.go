// Package fasthttp stands for github.com/valyala/fasthttp in the generator's cases: a
// server that is not built on net/http.
package fasthttp

// RequestCtx is a request.
type RequestCtx struct{}

// RequestHandler serves a request.
type RequestHandler func(ctx *RequestCtx)

// ListenAndServe serves handler on addr.
func ListenAndServe(addr string, handler RequestHandler) error { return nil }
