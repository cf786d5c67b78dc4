// Package echo is a stand-in for github.com/labstack/echo/v4 with the signatures the
// analysis tests use; the analysis matches its sinks by name, so bodies do nothing.
package echo

// Context is a request's context.
type Context interface {
	JSON(code int, i any) error
	String(code int, s string) error
	NoContent(code int) error
	Blob(code int, contentType string, b []byte) error
	Redirect(code int, url string) error
	Bind(i any) error
	Param(name string) string
}

// HTTPError is an error with a status, which echo answers.
type HTTPError struct {
	Code     int
	Message  any
	Internal error
}

func (he *HTTPError) Error() string { return "" }

// NewHTTPError returns an error that echo answers with code.
func NewHTTPError(code int, message ...any) *HTTPError { return &HTTPError{Code: code} }

// HandlerFunc handles a request.
type HandlerFunc func(Context) error

// Echo routes requests.
type Echo struct{}

func New() *Echo                                { return &Echo{} }
func (e *Echo) GET(path string, h HandlerFunc)  {}
func (e *Echo) POST(path string, h HandlerFunc) {}
func (e *Echo) Start(addr string) error         { return nil }
