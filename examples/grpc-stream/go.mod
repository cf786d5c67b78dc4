module github.com/filibuster-go/filibuster-gen/examples/grpc-stream

go 1.25.0

require (
	github.com/filibuster-go/filibuster-gen/grpc v0.0.0
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	google.golang.org/grpc v1.81.1
	google.golang.org/protobuf v1.36.11
)

require (
	golang.org/x/net v0.51.0 // indirect
	golang.org/x/sys v0.42.0 // indirect
	golang.org/x/text v0.34.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260226221140-a57be14db171 // indirect
)

// The gRPC instrumentation and the runtime of this repository.
replace (
	github.com/filibuster-go/filibuster-gen/grpc => ../../grpc
	github.com/filibuster-go/filibuster-gen/runtime => ../../runtime
)
