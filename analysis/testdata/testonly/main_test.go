package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTeapot(t *testing.T) {
	w := httptest.NewRecorder()
	http.Error(w, "", http.StatusTeapot)
}
