package grpcclient

import (
	rpc "google.golang.org/grpc"
)

// Aliased imports grpc-go under another name: the call is found by type.
func Aliased(target string) {
	rpc.NewClient(target, rpc.WithAuthority("x"))
}

// NotGRPC has a function of the same name that is not grpc-go's.
func NotGRPC(target string) {
	grpc := struct{ NewClient func(string) }{func(string) {}}
	grpc.NewClient(target)
}
