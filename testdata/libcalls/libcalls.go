// Package libcalls calls services through client libraries: the generator lists the
// calls, which net/http's client hook reaches.
package libcalls

import (
	"context"

	"github.com/go-resty/resty/v2"
	"github.com/google/go-github/v75/github"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Calls makes one call through each library.
func Calls(u string) {
	resty.New().R().
		SetBody(nil).
		Post(u)
	retryablehttp.NewClient().Do(&retryablehttp.Request{})
	retryablehttp.Get(u)
	ctx := context.Background()
	gh := github.NewClient()
	gh.Repositories.Get(ctx, "o", "r")
	_ = gh.Repositories.URL("o", "r") // no call: listed as nothing
	(&oauth2.Config{}).Exchange(ctx, "code")
	(&clientcredentials.Config{}).Token(ctx)
}
