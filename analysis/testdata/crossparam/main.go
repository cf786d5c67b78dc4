// Command crossparam answers codes passed to helpers: one in an internal package, two
// parameters deep, and one of its own.
package main

import (
	"net/http"

	"example.com/svc/internal/httpx"
)

func main() {
	http.HandleFunc("/reserve", reserve)
	http.ListenAndServe("127.0.0.1:0", nil)
}

func reserve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("sku") == "" {
		writeError(w, http.StatusBadRequest, "no sku")
		return
	}
	if r.URL.Query().Get("card") == "declined" {
		writeError(w, 402, "declined")
		return
	}
	httpx.WriteError(w, http.StatusConflict, "out of stock")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	httpx.WriteError(w, status, msg)
}
