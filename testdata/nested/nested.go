// Package nested registers a handler whose body calls out, inline in the call.
package nested

import "net/http"

func Register(mux *http.ServeMux, c *http.Client) {
	mux.Handle("/x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.Get("http://127.0.0.1:1/") }))
}
