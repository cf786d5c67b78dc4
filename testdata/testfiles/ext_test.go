package testfiles_test

import (
	"net/http"
	"testing"

	"example.com/cases/testfiles"
)

func TestExternal(t *testing.T) {
	c := &http.Client{}
	if resp, err := c.Head(testfiles.URL()); err == nil {
		resp.Body.Close()
	}
}
