// Package libcalls calls services through client libraries: the generator lists the
// calls, which net/http's client hook reaches.
package libcalls

import (
	"github.com/go-resty/resty/v2"
	"github.com/hashicorp/go-retryablehttp"
)

// Calls makes one call through each library.
func Calls(u string) {
	resty.New().R().
		SetBody(nil).
		Post(u)
	retryablehttp.NewClient().Do(&retryablehttp.Request{})
	retryablehttp.Get(u)
}
