// Package aliasimport imports net/http under another name.
package aliasimport

import nethttp "net/http"

func Fetch(u string) (*nethttp.Response, error) {
	return nethttp.Get(u)
}
