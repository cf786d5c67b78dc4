// Command errorsis answers codes chosen by errors.Is and errors.As: a constant per
// branch, the code field of an error type set with constants, and a method called
// through an interface.
package main

import (
	"errors"
	"net/http"
)

var (
	errNoSeat  = errors.New("no seat")
	errBlocked = errors.New("blocked")
)

// apiError carries its status.
type apiError struct {
	Code int
	Msg  string
}

func (e *apiError) Error() string { return e.Msg }

// statusCoder is an error that knows its status.
type statusCoder interface{ StatusCode() int }

type quotaError struct{}

func (quotaError) Error() string   { return "quota" }
func (quotaError) StatusCode() int { return http.StatusTooManyRequests }

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		respond(w, book(r))
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}

func book(r *http.Request) error {
	switch r.URL.Path {
	case "/seat":
		return errNoSeat
	case "/blocked":
		return errBlocked
	case "/early":
		return &apiError{Code: http.StatusTooEarly, Msg: "too early"}
	case "/quota":
		return quotaError{}
	}
	return nil
}

func respond(w http.ResponseWriter, err error) {
	var status int
	var ae *apiError
	var sc statusCoder
	switch {
	case err == nil:
		return
	case errors.Is(err, errNoSeat):
		status = http.StatusConflict
	case errors.Is(err, errBlocked):
		status = http.StatusForbidden
	case errors.As(err, &ae):
		status = ae.Code
	case errors.As(err, &sc):
		status = sc.StatusCode()
	default:
		status = http.StatusInternalServerError
	}
	http.Error(w, err.Error(), status)
}
