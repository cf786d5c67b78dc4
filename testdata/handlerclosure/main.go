// Command handlerclosure registers closures and calls out from them.
package main

import (
	"io"
	"net/http"
)

func main() {
	client := &http.Client{}
	http.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Get("http://127.0.0.1:1/b")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
