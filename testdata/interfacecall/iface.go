// Package interfacecall calls Do through an interface, which the generator reports.
package interfacecall

import "net/http"

type doer interface {
	Do(*http.Request) (*http.Response, error)
}

func Fetch(d doer, req *http.Request) (*http.Response, error) {
	return d.Do(req)
}

var _ doer = (*http.Client)(nil)
