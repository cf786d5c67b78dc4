module github.com/filibuster-go/filibuster-gen/grpc

go 1.21

require (
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	google.golang.org/grpc v1.81.1
)
