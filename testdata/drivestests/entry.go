package main

import "net/http"

// entry is the entry service's URL; this file does not import the runtime, but its
// package does, so it is left alone too.
func entry() string {
	if resp, err := http.Head("http://127.0.0.1:1/health"); err == nil {
		resp.Body.Close()
	}
	return "http://127.0.0.1:1"
}
