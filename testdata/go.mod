module example.com/cases

go 1.26.0

require (
	github.com/filibuster-go/filibuster-gen/grpc v0.0.0
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	github.com/go-resty/resty/v2 v2.0.0
	github.com/google/go-github/v75 v75.0.0
	github.com/hashicorp/go-retryablehttp v0.0.0
	github.com/valyala/fasthttp v0.0.0
	golang.org/x/oauth2 v0.0.0
	google.golang.org/grpc v1.81.1
)

replace (
	github.com/go-resty/resty/v2 => ./_fakes/resty
	github.com/google/go-github/v75 => ./_fakes/gogithub
	github.com/hashicorp/go-retryablehttp => ./_fakes/retryablehttp
	github.com/valyala/fasthttp => ./_fakes/fasthttp
	golang.org/x/oauth2 => ./_fakes/oauth2
	google.golang.org/grpc => ./_fakes/grpc
)

replace github.com/filibuster-go/filibuster-gen/runtime => ../runtime

// The gRPC package instrumented code imports, standing in for ../grpc, which needs the
// real grpc-go.
replace github.com/filibuster-go/filibuster-gen/grpc => ./_fakes/grpc/filibustergrpc
