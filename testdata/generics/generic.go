// Package generics makes calls from generic code.
package generics

import "net/http"

type Fetcher[T any] struct {
	client *http.Client
	decode func(*http.Response) (T, error)
}

func (f *Fetcher[T]) Fetch(u string) (T, error) {
	resp, err := f.client.Get(u)
	if err != nil {
		var zero T
		return zero, err
	}
	return f.decode(resp)
}

func Do[C interface{ ~*http.Client }](c C, req *http.Request) (*http.Response, error) {
	return (*http.Client)(c).Do(req)
}
