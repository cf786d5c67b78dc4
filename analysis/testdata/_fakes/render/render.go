// Package render is a stand-in for github.com/go-chi/render with the signatures the
// analysis tests use.
package render

import "net/http"

// Status sets the status render's responders answer r with.
func Status(r *http.Request, status int) {}

// JSON answers v as JSON.
func JSON(w http.ResponseWriter, r *http.Request, v any) {}
