// Package filibustergen carries the source of the runtime package, so that the
// generator can write a copy of it for modules that do not depend on this one.
package filibustergen

import "embed"

// RuntimeSource holds runtime/*.go, tests included; writers skip the _test.go files.
//
//go:embed runtime/*.go
var RuntimeSource embed.FS
