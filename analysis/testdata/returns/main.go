// Command returns answers codes that helpers return, chosen in a switch and through
// local variables merged after an if.
package main

import "net/http"

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(statusOf(r.URL.Path))
	})
	http.HandleFunc("/limit", func(w http.ResponseWriter, r *http.Request) {
		status := http.StatusTooManyRequests
		if r.Header.Get("X-Quota") == "" {
			status = http.StatusUnauthorized
		}
		http.Error(w, "limited", status)
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}

// statusOf maps a path to its status: a switch of constants and a call returning one.
func statusOf(path string) int {
	switch path {
	case "/old":
		return http.StatusGone
	case "/legal":
		return 451
	case "/ok":
		return http.StatusOK
	}
	return notImplemented()
}

func notImplemented() int { return http.StatusNotImplemented }
