// Package embedptr calls client methods promoted through an embedded *http.Client.
package embedptr

import "net/http"

type api struct {
	*http.Client
	base string
}

func (a *api) fetch(path string) (*http.Response, error) {
	req, err := http.NewRequest("GET", a.base+path, nil)
	if err != nil {
		return nil, err
	}
	return a.Do(req)
}

type outer struct{ api }

func (o outer) head() (*http.Response, error) { return o.Head(o.base) }
