// Package grpcmixed is an HTTP gateway in front of a gRPC service: the file has net/http
// and gRPC sites.
package grpcmixed
import (
	"net/http"

	"google.golang.org/grpc"
)

// Gateway makes its connection and serves HTTP.
func Gateway(target string) error {
	if _, err := grpc.NewClient(target); err != nil {
		return err
	}
	resp, err := http.Get("http://" + target + "/health")
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
