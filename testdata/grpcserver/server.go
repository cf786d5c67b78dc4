// Package grpcserver makes gRPC servers in every form: the generator passes their
// options through ServerOptions, in their order and on their lines.
package grpcserver

import (
	"context"

	"google.golang.org/grpc"
)

func audit(ctx context.Context, req any) (any, error) { return req, nil }

// Inline passes its options inline, an interceptor of the user's first.
func Inline() *grpc.Server {
	return grpc.NewServer(grpc.UnaryInterceptor(audit), grpc.MaxRecvMsgSize(1<<20))
}

// Variable passes a slice of options.
func Variable(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(opts...)
}

// serverOptions builds the options of Helper.
func serverOptions(size int) []grpc.ServerOption {
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(audit, audit), grpc.MaxRecvMsgSize(size)}
}

// Helper passes the options a helper builds.
func Helper() *grpc.Server {
	return grpc.NewServer(serverOptions(4 << 20)...)
}

// None passes no options.
func None() *grpc.Server {
	return grpc.NewServer()
}

// Multiline spreads its options over lines.
func Multiline() *grpc.Server {
	return grpc.NewServer(
		grpc.ChainUnaryInterceptor(
			audit,
			audit,
		),
		grpc.MaxRecvMsgSize(1<<20),
	)
}

// srv is made when the package is initialized.
var srv = grpc.NewServer()

// two returns two options.
func two() (grpc.ServerOption, grpc.ServerOption) {
	return grpc.MaxRecvMsgSize(1), grpc.MaxRecvMsgSize(2)
}

// Results passes the results of a call, which cannot be wrapped: listed, not instrumented.
func Results() *grpc.Server {
	return grpc.NewServer(two())
}
