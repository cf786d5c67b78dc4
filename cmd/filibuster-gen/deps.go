package main

// Blank imports that keep the chosen dependencies in go.mod while the packages that use
// them are being written. Removed once rewrite/ and analysis/ import them.
import (
	_ "github.com/dave/dst/decorator"
	_ "github.com/dave/dst/decorator/resolver/guess"
	_ "golang.org/x/tools/go/ast/astutil"
	_ "golang.org/x/tools/go/packages"
	_ "golang.org/x/tools/go/types/typeutil"
)
