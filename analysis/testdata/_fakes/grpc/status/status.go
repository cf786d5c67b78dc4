// Package status stands for google.golang.org/grpc/status in the analysis's cases.
package status

import (
	"errors"

	"google.golang.org/grpc/codes"
)

// Status is a gRPC status.
type Status struct{ code codes.Code }

// New returns a status.
func New(c codes.Code, msg string) *Status { return &Status{c} }

// Err returns the status as an error.
func (s *Status) Err() error { return errors.New("status") }

// Error returns an error with the code.
func Error(c codes.Code, msg string) error { return New(c, msg).Err() }

// Errorf returns an error with the code.
func Errorf(c codes.Code, format string, a ...any) error { return New(c, format).Err() }
