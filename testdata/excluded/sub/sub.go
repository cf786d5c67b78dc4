// Package sub is below ./excluded, so ./excluded/... matches it too.
package sub

import "net/http"

func Fetch() {
	if resp, err := http.Get("http://127.0.0.1:1/"); err == nil {
		resp.Body.Close()
	}
}
