// Package servermethods calls every serving method of *http.Server.
package servermethods

import (
	"net"
	"net/http"
)

func Serve(l net.Listener, mux *http.ServeMux) {
	srv := &http.Server{Addr: "127.0.0.1:0", Handler: mux}
	go srv.ListenAndServe()
	go srv.ListenAndServeTLS("cert.pem", "key.pem")
	go srv.ServeTLS(l, "cert.pem", "key.pem")
	var value http.Server
	value.Serve(l)
}
