// Package faultmodel reads and writes the analysis file that tells a Filibuster
// coordinator which faults to try (protocol.md §5): a JSON object of named rules, each
// matching calls by "<module>.<method>" and listing the exceptions to inject on them and,
// per callee service, the error responses to inject.
//
// Patterns are regular expressions matched as Python's re.match does: anchored at the
// start only. Rule order and key order are kept on reading and writing, since the order
// of the faults decides the order in which a coordinator explores them.
package faultmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime/internal/fsutil"
)

// File is an analysis file.
type File struct {
	Rules []NamedRule
}

// NamedRule is one rule of the file with its free name.
type NamedRule struct {
	Name string
	Rule Rule
}

// Rule says which faults to try on the calls whose "<module>.<method>" matches Pattern.
type Rule struct {
	Pattern    string      `json:"pattern"`
	Exceptions []Exception `json:"exceptions,omitempty"`
	Errors     []ErrorRule `json:"errors,omitempty"`

	re *regexp.Regexp
}

// Exception is an error to inject when a call is created. Restrictions names a metadata
// field the call must carry (a timeout is only tried on calls that set one).
type Exception struct {
	Name         string         `json:"name"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	Restrictions string         `json:"restrictions,omitempty"`
}

// ErrorRule lists the responses to inject on calls to the services whose name matches
// ServiceName, once the callee reports it received the call.
type ErrorRule struct {
	ServiceName string            `json:"service_name"`
	Types       []json.RawMessage `json:"types"` // e.g. {"return_value": {"status_code": "404"}}

	re *regexp.Regexp
}

// MatchCall reports whether the rule applies to a call of module's method.
func (r *Rule) MatchCall(module, method string) bool {
	if r.re == nil {
		r.re = mustMatcher(r.Pattern)
	}
	return r.re.MatchString(module + "." + method)
}

// MatchService reports whether the error rule applies to calls to service.
func (e *ErrorRule) MatchService(service string) bool {
	if e.re == nil {
		e.re = mustMatcher(e.ServiceName)
	}
	return e.re.MatchString(service)
}

// Matcher compiles a Python regular expression for re.match: anchored at the start.
// Escapes Python accepts and Go rejects (\_ and the like) are taken literally.
func Matcher(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			next := pattern[i+1]
			if next == '_' || next == '-' || next == '/' || next == ':' || next == '\'' || next == '"' {
				b.WriteByte(next)
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteByte(next)
			i++
			continue
		}
		b.WriteByte(c)
	}
	return regexp.Compile(`^(?:` + b.String() + `)`)
}

func mustMatcher(pattern string) *regexp.Regexp {
	re, err := Matcher(pattern)
	if err != nil {
		// Parse validated it; a File built in code with a bad pattern matches nothing.
		return regexp.MustCompile(`$.^`)
	}
	return re
}

// Parse decodes an analysis file, keeping its order, and checks every rule.
func Parse(data []byte) (*File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("analysis file: not a JSON object")
	}
	f := &File{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("analysis file: %w", err)
		}
		name := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("analysis file: rule %q: %w", name, err)
		}
		var r Rule
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&r); err != nil {
			return nil, fmt.Errorf("analysis file: rule %q: %w", name, err)
		}
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("analysis file: rule %q: %w", name, err)
		}
		f.Rules = append(f.Rules, NamedRule{Name: name, Rule: r})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("analysis file: %w", err)
	}
	return f, nil
}

// check validates a rule and compiles its patterns.
func (r *Rule) check() error {
	var err error
	if r.Pattern == "" {
		return fmt.Errorf("pattern: missing")
	}
	if r.re, err = Matcher(r.Pattern); err != nil {
		return fmt.Errorf("pattern: %w", err)
	}
	for i, e := range r.Exceptions {
		if e.Name == "" {
			return fmt.Errorf("exceptions[%d].name: missing", i)
		}
	}
	for i := range r.Errors {
		e := &r.Errors[i]
		if e.re, err = Matcher(e.ServiceName); err != nil {
			return fmt.Errorf("errors[%d].service_name: %w", i, err)
		}
		for j, t := range e.Types {
			var m map[string]any
			if err := json.Unmarshal(t, &m); err != nil || len(m) == 0 {
				return fmt.Errorf("errors[%d].types[%d]: not a JSON object", i, j)
			}
		}
	}
	return nil
}

// ReadFile reads and parses the analysis file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// WriteFile writes data, an encoded analysis file, to path so that a reader never sees
// it half written: path holds its old content or all of data.
func WriteFile(path string, data []byte) error {
	return fsutil.WriteFileAtomic(path, data)
}

// MarshalJSON encodes the file as a JSON object of its rules, in order.
func (f *File) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, r := range f.Rules {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(r.Name)
		if err != nil {
			return nil, err
		}
		rule, err := json.Marshal(&r.Rule)
		if err != nil {
			return nil, fmt.Errorf("rule %q: %w", r.Name, err)
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(rule)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Default is the analysis used when none is given, for Go services: connection refused
// on every net/http call, a timeout on the calls that have one, and 500, 502 and 503
// from every instrumented service.
func Default() *File {
	var types []json.RawMessage
	for _, code := range []string{"500", "502", "503"} {
		types = append(types, json.RawMessage(`{"return_value":{"status_code":"`+code+`"}}`))
	}
	rule := Rule{
		Pattern: `net/http\.`,
		Exceptions: []Exception{
			{Name: "syscall.ECONNREFUSED"},
			{Name: "context.DeadlineExceeded", Restrictions: "timeout"},
		},
		Errors: []ErrorRule{{ServiceName: ".*", Types: types}},
	}
	return &File{Rules: []NamedRule{{Name: "net/http", Rule: rule}}}
}
