// Package problem is a library of another module that answers statuses the analysis
// cannot see into: the sinks of the hand-added sink table.
package problem

import "net/http"

// Details is an RFC 9457 problem.
type Details struct {
	Status int
	Title  string
}

// Write answers p.
func Write(w http.ResponseWriter, p *Details) {}

// Respond answers status with a problem titled msg.
func Respond(w http.ResponseWriter, msg string, status int) {}
