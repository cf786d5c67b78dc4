// Package clientmethods calls every method of *http.Client.
package clientmethods

import (
	"net/http"
	"net/url"
	"strings"
	"time"
)

var client = &http.Client{Timeout: 10 * time.Second}

func Calls(u string) error {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return err
	}
	if _, err := client.Do(req); err != nil {
		return err
	}
	if _, err := client.Get(u); err != nil {
		return err
	}
	if _, err := client.Head(u); err != nil {
		return err
	}
	if _, err := client.Post(u, "text/plain", strings.NewReader("x")); err != nil {
		return err
	}
	_, err = client.PostForm(u, url.Values{})
	return err
}
