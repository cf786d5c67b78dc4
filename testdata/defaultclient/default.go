// Package defaultclient uses http.DefaultClient.
package defaultclient

import "net/http"

func Fetch(u string) (*http.Response, error) {
	return http.DefaultClient.Get(u)
}
