// Package grpc stands for google.golang.org/grpc in the generator's cases: the
// functions that make connections and servers, and the options the cases pass them.
package grpc

import "context"

// DialOption configures a connection.
type DialOption interface{ dialOption() }

// ServerOption configures a server.
type ServerOption interface{ serverOption() }

type option struct{}

func (option) dialOption()   {}
func (option) serverOption() {}

// ClientConn is a connection.
type ClientConn struct{}

// Server is a server.
type Server struct{}

// UnaryClientInterceptor intercepts a unary call on the client.
type UnaryClientInterceptor func(ctx context.Context, method string, req, reply any, cc *ClientConn, opts ...any) error

// UnaryServerInterceptor intercepts a unary call on the server.
type UnaryServerInterceptor func(ctx context.Context, req any) (any, error)

// NewClient makes a connection.
func NewClient(target string, opts ...DialOption) (*ClientConn, error) { return &ClientConn{}, nil }

// Dial makes a connection.
func Dial(target string, opts ...DialOption) (*ClientConn, error) { return &ClientConn{}, nil }

// DialContext makes a connection.
func DialContext(ctx context.Context, target string, opts ...DialOption) (*ClientConn, error) {
	return &ClientConn{}, nil
}

// NewServer makes a server.
func NewServer(opt ...ServerOption) *Server { return &Server{} }

// WithAuthority sets the authority.
func WithAuthority(a string) DialOption { return option{} }

// WithUnaryInterceptor sets the client's interceptor.
func WithUnaryInterceptor(f UnaryClientInterceptor) DialOption { return option{} }

// WithChainUnaryInterceptor chains the client's interceptors.
func WithChainUnaryInterceptor(fs ...UnaryClientInterceptor) DialOption { return option{} }

// UnaryInterceptor sets the server's interceptor.
func UnaryInterceptor(f UnaryServerInterceptor) ServerOption { return option{} }

// ChainUnaryInterceptor chains the server's interceptors.
func ChainUnaryInterceptor(fs ...UnaryServerInterceptor) ServerOption { return option{} }

// MaxRecvMsgSize limits the size of a message received.
func MaxRecvMsgSize(n int) ServerOption { return option{} }

// CallOption configures a call.
type CallOption interface{ callOption() }

func (option) callOption() {}

// StreamDesc describes a stream.
type StreamDesc struct{ StreamName string }

// ClientStream is a stream of a client.
type ClientStream interface{ CloseSend() error }

// ClientConnInterface is what generated client stubs call.
type ClientConnInterface interface {
	Invoke(ctx context.Context, method string, args, reply any, opts ...CallOption) error
	NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error)
}

// Invoke makes a unary call.
func (cc *ClientConn) Invoke(ctx context.Context, method string, args, reply any, opts ...CallOption) error {
	return nil
}

// NewStream opens a stream.
func (cc *ClientConn) NewStream(ctx context.Context, desc *StreamDesc, method string, opts ...CallOption) (ClientStream, error) {
	return nil, nil
}

// WaitForReady makes a call wait for the connection.
func WaitForReady(b bool) CallOption { return option{} }
