// Command unresolved answers a status that is not a constant.
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
	http.ListenAndServe("127.0.0.1:0", nil)
}
