// Command literals answers codes given as literals and constants.
package main

import "net/http"

const teapot = 418

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Error(w, "missing", 404)
		case "/b":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/c":
			w.WriteHeader(teapot)
		case "/d":
			http.Redirect(w, r, "/", http.StatusFound)
		case "/e":
			http.NotFound(w, r)
		case "/f":
			w.WriteHeader(http.StatusOK)
		}
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
