// Package dotimport dot-imports net/http.
package dotimport

import . "net/http"

func Fetch(u string) (*Response, error) {
	return Get(u)
}

func Register() {
	HandleFunc("/dot", func(w ResponseWriter, r *Request) {})
}
