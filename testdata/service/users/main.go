// Command users is a service whose name comes from its directory.
package main

import (
	"net/http"

	"example.com/cases/service/internal/peer"
)

func main() {
	http.HandleFunc("/users", func(w http.ResponseWriter, r *http.Request) {
		peer.Call(r.Context())
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
