// Package ignorestmt opts single statements out.
package ignorestmt

import "net/http"

func Fetch(u string) {
	//filibuster:ignore
	http.Get(u)
	http.Head(u) //filibuster:ignore
	http.Post(u, "", nil)
}
