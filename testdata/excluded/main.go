// Command excluded is a main package matched by the golden suite's exclude pattern
// ./excluded/...: neither it nor the package below it is instrumented, and it gets no
// service file.
package main

import (
	"net/http"

	"example.com/cases/excluded/sub"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {})
	sub.Fetch()
	http.ListenAndServe(":0", nil)
}
