// Package codes stands for google.golang.org/grpc/codes in the analysis's cases.
package codes

// Code is a gRPC status code.
type Code uint32

// The codes the cases use, with grpc-go's numbers.
const (
	OK                 Code = 0
	InvalidArgument    Code = 3
	NotFound           Code = 5
	AlreadyExists      Code = 6
	FailedPrecondition Code = 9
	Unavailable        Code = 14
)
