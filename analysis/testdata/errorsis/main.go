// Command errorsis answers codes chosen by errors.Is and errors.As: a constant per
// branch, and the code field of an error type set with constants.
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
	}
	return nil
}

func respond(w http.ResponseWriter, err error) {
	var status int
	var ae *apiError
	switch {
	case err == nil:
		return
	case errors.Is(err, errNoSeat):
		status = http.StatusConflict
	case errors.Is(err, errBlocked):
		status = http.StatusForbidden
	case errors.As(err, &ae):
		status = ae.Code
	default:
		status = http.StatusInternalServerError
	}
	http.Error(w, err.Error(), status)
}
