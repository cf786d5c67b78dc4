// Package peer calls another service.
package peer

import (
	"context"
	"net/http"
)

func Call(ctx context.Context) {
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1:1/", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}
