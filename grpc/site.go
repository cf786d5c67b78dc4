package filibustergrpc

import (
	"context"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

type siteKey struct{}

// WithSite returns ctx carrying site, the static call site of the RPC made with it.
// Generated code wraps the context argument of each call on a generated client stub:
//
//	resp, err := client.GetUser(filibustergrpc.WithSite(ctx, __filibuster.Site{...}), req)
//
// The site is read by the client interceptors only and is never sent to the callee.
// Inert (no FILIBUSTER_URL), WithSite returns ctx itself and does not allocate.
func WithSite(ctx context.Context, site runtime.Site) context.Context {
	if !runtime.Instrumenting() {
		return ctx
	}
	return context.WithValue(ctx, siteKey{}, site)
}

// skipped are the packages a call without a site is not attributed to: grpc-go,
// protobuf and this package.
var skipped = []string{"google.golang.org/grpc", "google.golang.org/protobuf", "github.com/filibuster-go/filibuster-gen/grpc"}

// siteOf returns the site ctx carries, or, for a call without one (made inside a
// library, or by code the generator did not see), the site the runtime attributes it
// to: the innermost frame of the user's code that led to it (runtime.LibraryCallSite).
func siteOf(ctx context.Context) runtime.Site {
	if s, ok := ctx.Value(siteKey{}).(runtime.Site); ok {
		return s
	}
	return runtime.LibraryCallSite(skipped...)
}
