// Package embedvalue calls client methods promoted through an embedded http.Client.
package embedvalue

import "net/http"

type api struct {
	http.Client
}

func (a *api) fetch(u string) (*http.Response, error) {
	return a.Get(u)
}
