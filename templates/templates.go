// Package templates holds the support files filibuster-gen writes next to instrumented
// code.
package templates

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/template"
)

//go:embed service.go.tmpl
var serviceText string

var service = template.Must(template.New("service").Parse(serviceText))

// Service describes the file added to a main package.
type Service struct {
	RuntimePath, Alias string // the runtime's import path and the alias it is imported as
	Name               string // the service's name; "" for a package that is no service
	Module, Dir        string // the main module's path; the package's module-relative directory
	Hooks              bool   // net/http is instrumented: install its hooks
	// Generated lists the module's generated files (module-relative), which a call
	// made inside a library is not attributed to.
	Generated []string
}

// ServiceInit returns the init function appended to a file of each main package (and,
// with Hooks, of every other instrumented package): it passes the service's name, if
// any, to the runtime, imported under Alias, and, with Hooks, installs the runtime's
// net/http hooks (net/http imported as Alias_http).
func ServiceInit(s Service) ([]byte, error) {
	var buf bytes.Buffer
	err := service.Execute(&buf, s)
	if err != nil {
		return nil, fmt.Errorf("service file: %w", err)
	}
	return buf.Bytes(), nil
}

// RuntimeGoVersion is the go line of the runtime copy's go.mod: the oldest Go the
// runtime's source needs.
const RuntimeGoVersion = "1.22"

// RuntimeGoMod is the go.mod of the copy of the runtime written for modules that do
// not depend on filibuster-gen.
func RuntimeGoMod(module string) []byte {
	return fmt.Appendf(nil, "module %s\n\ngo %s\n", module, RuntimeGoVersion)
}
