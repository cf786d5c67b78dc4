package faultmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Merge adds the rules of other to f, in other's order. A rule whose name f does not
// have is appended. A rule whose name f has must have the same pattern; it adds the
// exceptions f's rule does not have, and its error rules: one whose service_name f's
// rule has adds the types that rule does not have, after its own; the others are
// appended. So a file of hand-added statuses merged into the analysis's file adds them to
// the services' rules, and the rules of another language's reference file are kept
// whole.
func (f *File) Merge(other *File) error {
	for _, o := range other.Rules {
		i := f.index(o.Name)
		if i < 0 {
			f.Rules = append(f.Rules, o)
			continue
		}
		r := &f.Rules[i].Rule
		if r.Pattern != o.Rule.Pattern {
			return fmt.Errorf("rule %q: pattern %q, and %q in the included file", o.Name, r.Pattern, o.Rule.Pattern)
		}
		for _, e := range o.Rule.Exceptions {
			if !hasException(r.Exceptions, e) {
				r.Exceptions = append(r.Exceptions, e)
			}
		}
		for _, oe := range o.Rule.Errors {
			j := -1
			for k, e := range r.Errors {
				if e.ServiceName == oe.ServiceName {
					j = k
					break
				}
			}
			if j < 0 {
				r.Errors = append(r.Errors, oe)
				continue
			}
			for _, t := range oe.Types {
				if !hasType(r.Errors[j].Types, t) {
					r.Errors[j].Types = append(r.Errors[j].Types, t)
				}
			}
		}
	}
	return nil
}

func (f *File) index(name string) int {
	for i, r := range f.Rules {
		if r.Name == name {
			return i
		}
	}
	return -1
}

func hasException(es []Exception, e Exception) bool {
	want, _ := json.Marshal(e)
	for _, x := range es {
		if got, _ := json.Marshal(x); bytes.Equal(got, want) {
			return true
		}
	}
	return false
}

// hasType reports whether ts holds t, compared as JSON values.
func hasType(ts []json.RawMessage, t json.RawMessage) bool {
	var want any
	if json.Unmarshal(t, &want) != nil {
		return false
	}
	w, _ := json.Marshal(want)
	for _, x := range ts {
		var got any
		if json.Unmarshal(x, &got) != nil {
			continue
		}
		if g, _ := json.Marshal(got); bytes.Equal(g, w) {
			return true
		}
	}
	return false
}
