module github.com/filibuster-go/filibuster-gen/runtime

go 1.22
