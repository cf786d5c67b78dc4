//go:build !special

// Package buildtags has a file per build tag.
package buildtags

import "net/http"

func Fetch(u string) (*http.Response, error) { return http.Get(u) }
