// Package apperr holds the errors of the services and the status each is answered
// with, in a package-level map filled with constants.
package apperr

import (
	"errors"
	"net/http"
)

var (
	ErrNotFound = errors.New("not found")
	ErrExpired  = errors.New("expired")
)

// StatusOf is the status of each error.
var StatusOf = map[error]int{
	ErrNotFound: http.StatusNotFound,
	ErrExpired:  http.StatusGone,
}

// Status answers err's status, or 500.
func Status(err error) int {
	if code, ok := StatusOf[err]; ok {
		return code
	}
	return http.StatusInternalServerError
}
