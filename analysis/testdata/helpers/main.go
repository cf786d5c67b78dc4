// Command helpers answers codes through helpers in its package and in an internal one.
package main

import (
	"net/http"

	"example.com/svc/internal/respond"
)

func main() {
	http.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { forbid(w) })
	http.HandleFunc("/conflict", respond.ConflictHandler)
	http.ListenAndServe("127.0.0.1:0", nil)
}

func forbid(w http.ResponseWriter) { http.Error(w, "no", http.StatusForbidden) }
