// Package pkgfuncs calls the package-level client functions of net/http.
package pkgfuncs

import (
	"net/http"
	"net/url"
	"strings"
)

func Calls(u string) error {
	if _, err := http.Get(u); err != nil {
		return err
	}
	if _, err := http.Head(u); err != nil {
		return err
	}
	if _, err := http.Post(u, "text/plain", strings.NewReader("x")); err != nil {
		return err
	}
	_, err := http.PostForm(u, url.Values{"k": {"v"}})
	return err
}
