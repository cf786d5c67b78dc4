module github.com/filibuster-go/filibuster-gen

go 1.26.0

require (
	github.com/filibuster-go/filibuster-gen/runtime v0.0.0
	github.com/spf13/cobra v1.10.2
	golang.org/x/mod v0.42.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
	golang.org/x/sync v0.24.0 // indirect
)

// The runtime, the coordinator and the test package are a module of their own, with no
// dependencies outside the standard library, so that a service's module can require
// them without taking the generator's dependencies (docs/architecture.md).
replace github.com/filibuster-go/filibuster-gen/runtime => ./runtime
