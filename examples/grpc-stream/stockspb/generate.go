// Package stockspb holds the messages and service stubs of grpc-stream, generated from
// stocks.proto with Debian's protobuf-compiler (protoc 3.21.12) and the plugins
// google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.11 and
// google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.0.
package stockspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative stocks.proto
