// Package handlerfunc registers http.HandlerFunc conversions and keeps named types.
package handlerfunc

import "net/http"

func hello(w http.ResponseWriter, r *http.Request) {}

type myHandler func(http.ResponseWriter, *http.Request)

func Register(mux *http.ServeMux) {
	http.Handle("/hello", http.HandlerFunc(hello))
	var h http.HandlerFunc = hello
	mux.HandleFunc("/typed", h)
	var m myHandler = hello
	mux.HandleFunc("/named", m)
}
