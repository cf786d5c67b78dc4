package testfiles

import (
	"net/http"
	"testing"
)

func TestInternal(t *testing.T) {
	if resp, err := http.Get(URL()); err == nil {
		resp.Body.Close()
	}
}
