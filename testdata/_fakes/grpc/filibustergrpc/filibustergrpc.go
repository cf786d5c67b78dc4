// Package filibustergrpc stands for github.com/filibuster-go/filibuster-gen/grpc in the
// generator's cases (the real one needs grpc-go, which the cases replace): the functions
// instrumented code calls, with their signatures.
package filibustergrpc

import (
	"context"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc"
)

// DialOptions returns opts and the client interceptors.
func DialOptions(opts ...grpc.DialOption) []grpc.DialOption { return opts }

// ServerOptions returns opts and the server interceptors.
func ServerOptions(opts ...grpc.ServerOption) []grpc.ServerOption { return opts }

// WithSite returns ctx naming site.
func WithSite(ctx context.Context, site runtime.Site) context.Context { return ctx }
