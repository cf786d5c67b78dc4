// Package grpcstub calls a gRPC service through its generated client stub: the
// generator passes the static site of each call with its context.
package grpcstub

import (
	"context"

	"example.com/cases/grpcstub/userspb"
	"google.golang.org/grpc"
)

// Name gets a user through the stub's interface.
func Name(ctx context.Context, users userspb.UserServiceClient, id string) (string, error) {
	u, err := users.GetUser(ctx, &userspb.GetUserRequest{Id: id}, grpc.WaitForReady(true))
	if err != nil {
		return "", err
	}
	return u.Name, nil
}

// List opens a stream, with a context made in the call.
func List(conn *grpc.ClientConn) error {
	stream, err := userspb.NewUserServiceClient(conn).ListUsers(context.WithoutCancel(context.Background()),
		&userspb.ListUsersRequest{})
	if err != nil {
		return err
	}
	return stream.CloseSend()
}

// Raw calls the connection directly.
func Raw(ctx context.Context, conn *grpc.ClientConn, cc grpc.ClientConnInterface) error {
	if err := conn.Invoke(ctx, "/users.UserService/GetUser", nil, nil); err != nil {
		return err
	}
	_, err := cc.NewStream(ctx, &grpc.StreamDesc{}, "/users.UserService/ListUsers")
	return err
}

// Local calls a server implementation directly: no RPC.
func Local(ctx context.Context, srv userspb.UserServiceServer) {
	srv.GetUser(ctx, &userspb.GetUserRequest{})
}

// Ignored is opted out.
func Ignored(ctx context.Context, users userspb.UserServiceClient) {
	//filibuster:ignore
	users.GetUser(ctx, nil)
}
