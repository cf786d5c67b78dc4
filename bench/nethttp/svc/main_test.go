package main

import (
	"net/http"
	"testing"
)

// BenchmarkInertLibraryCall measures a call through (*http.Client).Do, which net/http
// instrumented by the overlay sends through its (nil, inert) client hook.
func BenchmarkInertLibraryCall(b *testing.B) {
	req, _ := http.NewRequest("GET", "http://example.invalid/", nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		libraryCall(req)
	}
}
