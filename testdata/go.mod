module example.com/cases

go 1.26.0

require (
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	github.com/go-resty/resty/v2 v2.0.0
	github.com/google/go-github/v75 v75.0.0
	github.com/hashicorp/go-retryablehttp v0.0.0
	github.com/valyala/fasthttp v0.0.0
	golang.org/x/oauth2 v0.0.0
)

replace (
	github.com/go-resty/resty/v2 => ./_fakes/resty
	github.com/google/go-github/v75 => ./_fakes/gogithub
	github.com/hashicorp/go-retryablehttp => ./_fakes/retryablehttp
	github.com/valyala/fasthttp => ./_fakes/fasthttp
	golang.org/x/oauth2 => ./_fakes/oauth2
)

replace github.com/filibuster-go/filibuster-gen/runtime => ../runtime
