// Package aliasvar declares a local variable named like the runtime's import alias.
package aliasvar

import "net/http"

func Fetch(u string) (*http.Response, error) {
	__filibuster := u
	return http.Get(__filibuster)
}

func Other(u string) (*http.Response, error) {
	return http.Get(u)
}
