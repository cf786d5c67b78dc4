// Package httpx writes JSON error responses for services: the status reaches
// WriteHeader through two helpers' parameters.
package httpx

import (
	"encoding/json"
	"net/http"
)

// WriteError answers status with {"error": msg}.
func WriteError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
