// Package ignoredecl opts a whole declaration out.
package ignoredecl

import "net/http"

// Health is not instrumented.
//
//filibuster:ignore
func Health(u string) (*http.Response, error) {
	return http.Get(u)
}

//filibuster:ignore
var probe = func(u string) { http.Head(u) }

func Fetch(u string) (*http.Response, error) { return http.Get(u) }
