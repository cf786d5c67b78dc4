// Package respond writes error responses for services.
package respond

import "net/http"

// ConflictHandler answers 409 through a wrapper of the ResponseWriter.
func ConflictHandler(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	conflict(sw)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func conflict(w *statusWriter) { w.WriteHeader(http.StatusConflict) }

// Unused is not reached from any service.
func Unused(w http.ResponseWriter) { w.WriteHeader(http.StatusGone) }
