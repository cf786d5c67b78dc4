// Command customsink answers through a library of another module whose code the
// analysis does not read: its sinks are added by the table in ../sinks.json.
package main

import (
	"net/http"

	"example.com/problem"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("gone") {
			problem.Respond(w, "gone", http.StatusGone)
			return
		}
		problem.Write(w, &problem.Details{Status: http.StatusPreconditionFailed, Title: "stale"})
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
