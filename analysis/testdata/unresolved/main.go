// Command unresolved answers statuses that are not constants: read from the
// environment, returned by a helper, passed to a helper from two call sites (one with a
// constant), and copied from a response.
package main

import (
	"net/http"
	"os"
	"strconv"
)

func main() {
	code, _ := strconv.Atoi(os.Getenv("CODE"))
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		http.Error(w, "gone", http.StatusGone)
	})
	http.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		fail(w, envStatus("A"))
	})
	http.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("status"))
		fail(w, n)
	})
	http.HandleFunc("/proxy", func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get("http://upstream/")
		if err != nil {
			fail(w, http.StatusBadGateway)
			return
		}
		fail(w, resp.StatusCode)
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}

func envStatus(key string) int {
	n, _ := strconv.Atoi(os.Getenv(key))
	return n
}

func fail(w http.ResponseWriter, status int) { w.WriteHeader(status) }
