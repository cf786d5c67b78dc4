// Command tables answers codes found in tables: a map of errors to statuses in another
// package, a slice of structs, and an array.
package main

import (
	"errors"
	"net/http"

	"example.com/svc/internal/apperr"
)

type route struct {
	path   string
	status int
}

var routes = []route{
	{"/teapot", http.StatusTeapot},
	{"/moved", http.StatusMovedPermanently},
}

var overload = [...]int{http.StatusServiceUnavailable, http.StatusGatewayTimeout}

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		for _, rt := range routes {
			if rt.path == r.URL.Path {
				w.WriteHeader(rt.status)
				return
			}
		}
		if r.URL.Query().Has("busy") {
			w.WriteHeader(overload[len(r.URL.Query()["busy"])%2])
			return
		}
		http.Error(w, "lookup", apperr.Status(find(r.URL.Path)))
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}

func find(path string) error {
	if path == "/expired" {
		return apperr.ErrExpired
	}
	return errors.Join(apperr.ErrNotFound)
}
