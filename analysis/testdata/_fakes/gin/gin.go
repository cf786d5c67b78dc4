// Package gin is a stand-in for github.com/gin-gonic/gin with the signatures the
// analysis tests use; the analysis matches its sinks by name, so bodies do nothing.
package gin

import "net/http"

// H is a JSON object.
type H map[string]any

// Context is a request's context.
type Context struct {
	Writer  http.ResponseWriter
	Request *http.Request
}

// Error is an error attached to a context.
type Error struct{ Err error }

// HandlerFunc handles a request.
type HandlerFunc func(*Context)

// Engine routes requests.
type Engine struct{}

func New() *Engine                                           { return &Engine{} }
func (e *Engine) GET(path string, h ...HandlerFunc)          {}
func (e *Engine) POST(path string, h ...HandlerFunc)         {}
func (e *Engine) Run(addr ...string) error                   { return nil }
func (c *Context) Param(key string) string                   { return "" }
func (c *Context) JSON(code int, obj any)                    {}
func (c *Context) String(code int, f string, v ...any)       {}
func (c *Context) XML(code int, obj any)                     {}
func (c *Context) Data(code int, ct string, d []byte)        {}
func (c *Context) Status(code int)                           {}
func (c *Context) AbortWithStatus(code int)                  {}
func (c *Context) AbortWithStatusJSON(code int, o any)       {}
func (c *Context) AbortWithError(code int, err error) *Error { return &Error{err} }
func (c *Context) Redirect(code int, location string)        {}

// BindJSON decodes the body into obj, answering 400 when it cannot.
func (c *Context) BindJSON(obj any) error { return nil }
