// Package shadowedhttp declares a local http that is not net/http.
package shadowedhttp

import (
	stdhttp "net/http"
)

type fake struct{}

func (fake) Get(u string) (string, error) { return u, nil }

func Fetch(u string) (string, error) {
	http := fake{}
	if _, err := stdhttp.Get(u); err != nil {
		return "", err
	}
	return http.Get(u)
}
