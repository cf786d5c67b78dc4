// Package grpcclient makes gRPC connections in every form: the generator passes their
// options through DialOptions, in their order and on their lines.
package grpcclient

import (
	"context"

	"google.golang.org/grpc"
)

func logging(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...any) error {
	return nil
}

// Inline passes its options inline.
func Inline(target string) (*grpc.ClientConn, error) {
	return grpc.NewClient(target, grpc.WithAuthority("users"), grpc.WithUnaryInterceptor(logging))
}

// Variable passes a slice of options.
func Variable(target string, extra ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts := append([]grpc.DialOption{grpc.WithAuthority("users")}, extra...)
	return grpc.NewClient(target, opts...)
}

// options builds the options of Helper.
func options() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(logging, logging)}
}

// Helper passes the options a helper builds.
func Helper(target string) (*grpc.ClientConn, error) {
	return grpc.NewClient(target, options()...)
}

// None passes no options.
func None(target string) (*grpc.ClientConn, error) {
	return grpc.NewClient(target)
}

// Dial uses the older functions.
func Dial(ctx context.Context, target string) {
	grpc.Dial(target, grpc.WithAuthority("a"))
	grpc.DialContext(ctx, target, grpc.WithChainUnaryInterceptor(logging))
	grpc.DialContext(ctx, target)
}

// Multiline spreads its options over lines, with a trailing comma.
func Multiline(target string) (*grpc.ClientConn, error) {
	c, err := grpc.NewClient(
		target,
		grpc.WithAuthority("users"),
		grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...any) error {
			return logging(ctx, method, req, reply, cc, opts...)
		}),
	)
	if err != nil {
		return nil, err
	}
	grpc.NewClient(target,
	)
	return c, nil
}

// conn is made when the package is initialized.
var conn, _ = grpc.NewClient("dns:///users:50051")

// Ignored is opted out.
func Ignored(target string) {
	grpc.NewClient(target) //filibuster:ignore
}

