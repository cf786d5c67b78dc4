package sub

import (
	"net/http"
	"testing"
)

// An exclude pattern wins over the test-file rule: this site is listed as excluded.
func TestFetch(t *testing.T) {
	if resp, err := http.Post("http://127.0.0.1:1/", "text/plain", nil); err == nil {
		resp.Body.Close()
	}
}
