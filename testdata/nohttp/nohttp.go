// Package nohttp does not use net/http and must stay untouched.
package nohttp

import "strings"

func Upper(s string) string { return strings.ToUpper(s) }
