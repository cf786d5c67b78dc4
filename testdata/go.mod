module example.com/cases

go 1.26.0

require (
	github.com/filibuster-go/filibuster-gen v0.0.0
	github.com/valyala/fasthttp v0.0.0
)

replace github.com/filibuster-go/filibuster-gen => ../

replace github.com/valyala/fasthttp => ./_fakes/fasthttp
