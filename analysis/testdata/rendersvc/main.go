// Command rendersvc answers through chi's render package: render.Status sets the code.
package main

import (
	"net/http"

	"github.com/go-chi/render"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("flood") {
			render.Status(r, http.StatusTooManyRequests)
			render.JSON(w, r, map[string]string{"error": "slow down"})
			return
		}
		render.Status(r, http.StatusAccepted)
		render.JSON(w, r, nil)
	})
	http.ListenAndServe("127.0.0.1:0", nil)
}
