package runtime

import "embed"

// Source is this package's source, tests included: the generator writes a copy of it
// (the _test.go files aside) for a module that does not require this module, and
// instrumented code imports that copy. A program that does not refer to Source does
// not carry it.
//
//go:embed *.go
var Source embed.FS
