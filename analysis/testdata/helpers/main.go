// Command helpers answers codes through helpers in its package and in an internal one.
package main

import (
	"net/http"

	"example.com/svc/internal/respond"
)

func main() {
	http.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) { forbid(w) })
	http.HandleFunc("/conflict", respond.ConflictHandler)
	http.HandleFunc("/locked", func(w http.ResponseWriter, r *http.Request) {
		lw := &logWriter{ResponseWriter: w}
		lw.WriteHeader(http.StatusLocked)
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}

func forbid(w http.ResponseWriter) { http.Error(w, "no", http.StatusForbidden) }

// logWriter records the status it writes: its WriteHeader is followed into.
type logWriter struct {
	http.ResponseWriter
	status int
}

func (l *logWriter) WriteHeader(code int) {
	l.status = code
	l.ResponseWriter.WriteHeader(code)
}
