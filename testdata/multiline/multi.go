// Package multiline has calls that span several lines.
package multiline

import (
	"net/http"
	"strings"
)

func Fetch(c *http.Client, u string) error {
	resp, err := c.
		Post(
			u,
			"text/plain",
			strings.NewReader("body"),
		)
	if err != nil {
		return err
	}
	resp.Body.Close()
	panicHere()
	return nil
}

func panicHere() {}
