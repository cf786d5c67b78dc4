// Package peer finds grpc-stream's services from the environment filibuster-gen run
// gives them.
package peer

import (
	"os"
	"strings"
)

// Target returns the gRPC target of the service whose address is in the environment
// variable key (FEED_URL, ...), or def when it is unset or empty: a host:port,
// without the http:// of the URLs filibuster-gen run gives.
func Target(key, def string) string {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	return strings.TrimPrefix(v, "http://")
}
