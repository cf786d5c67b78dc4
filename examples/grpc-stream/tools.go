//go:build tools

// Package tools keeps the gRPC instrumentation module in go.mod: only the copies
// filibuster-gen instruments import it, and go mod tidy does not see them
// (docs/generator.md, "gRPC").
package tools

import _ "github.com/filibuster-go/filibuster-gen/grpc"
