package filibustergrpc

import (
	"context"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// ServerOptions returns opts followed by the options that instrument a server:
// UnaryServerInterceptor and StreamServerInterceptor, chained after any interceptor
// opts sets. Generated code passes a grpc.NewServer call's options through it:
//
//	srv := grpc.NewServer(filibustergrpc.ServerOptions(opts...)...)
//
// Inert (no FILIBUSTER_URL), it returns opts as they are.
func ServerOptions(opts ...grpc.ServerOption) []grpc.ServerOption {
	if !runtime.Instrumenting() {
		return opts
	}
	return append(opts[:len(opts):len(opts)],
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor),
		grpc.ChainStreamInterceptor(StreamServerInterceptor))
}

// serve begins serving a call whose context is ctx (runtime.Serve).
func serve(ctx context.Context) (context.Context, func()) {
	md, _ := metadata.FromIncomingContext(ctx)
	return runtime.Serve(ctx, func(name string) string {
		if v := md.Get(name); len(v) > 0 {
			return v[0]
		}
		return ""
	})
}

// UnaryServerInterceptor serves each call as the runtime's HTTP middleware serves a
// request: when the call carries an execution index it reports request_received, it
// obeys a forced sleep (x-filibuster-forced-sleep, in seconds) before the handler
// runs, and the handler's context carries the call's clocks and execution index to
// the calls made while serving it. Inert, it calls handler straight away.
func UnaryServerInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if !runtime.Instrumenting() {
		return handler(ctx, req)
	}
	ctx, done := serve(ctx)
	defer done()
	return handler(ctx, req)
}

// StreamServerInterceptor serves each stream as UnaryServerInterceptor serves a call:
// once, when it is opened; its handler's stream has the call's context.
func StreamServerInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !runtime.Instrumenting() {
		return handler(srv, ss)
	}
	ctx, done := serve(ss.Context())
	defer done()
	return handler(srv, &servedStream{ServerStream: ss, ctx: ctx})
}

// servedStream is a server stream with the context its call is served with.
type servedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *servedStream) Context() context.Context { return s.ctx }
