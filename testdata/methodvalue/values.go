// Package methodvalue uses net/http functions and methods as values, which the
// generator reports as not instrumented.
package methodvalue

import "net/http"

var get = http.Get

func Fetch(c *http.Client, req *http.Request) (*http.Response, error) {
	do := c.Do
	if _, err := get("http://127.0.0.1:1/"); err != nil {
		return nil, err
	}
	return do(req)
}
