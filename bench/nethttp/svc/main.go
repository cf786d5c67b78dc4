// Command svc stands for a service whose calls are made inside a library, to measure
// what instrumenting net/http costs such a call when the runtime is inert:
//
//	make bench-nethttp
package main

import (
	"io"
	"net/http"
	"strings"
)

// stub answers every request in memory.
type stub struct{}

func (stub) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

var client = &http.Client{Transport: stub{}}

// libraryCall stands for a call a library makes with its own *http.Client.
func libraryCall(req *http.Request) { resp, _ := client.Do(req); resp.Body.Close() }

func main() {
	http.ListenAndServe(":0", nil)
}
