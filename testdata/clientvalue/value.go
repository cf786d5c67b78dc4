// Package clientvalue calls methods on an addressable http.Client value.
package clientvalue

import "net/http"

func Fetch(u string) (*http.Response, error) {
	var c http.Client
	return c.Get(u)
}

type holder struct{ c http.Client }

func (h *holder) fetch(u string) (*http.Response, error) {
	return h.c.Get(u)
}
