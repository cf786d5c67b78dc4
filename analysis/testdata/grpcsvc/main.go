// Command grpcsvc is a gRPC service: its handlers return status errors, directly,
// through a helper and from a table of codes.
package main

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var errTaken = errors.New("taken")

// codeOf maps the store's errors to gRPC codes.
var codeOf = map[error]codes.Code{errTaken: codes.AlreadyExists}

type server struct{}

// Get returns a user.
func (server) Get(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", status.Error(codes.InvalidArgument, "no id")
	}
	if id == "gone" {
		return "", notFound("user " + id)
	}
	return id, nil
}

// Create stores a user.
func (server) Create(ctx context.Context, id string) error {
	if err := store(id); err != nil {
		return status.New(codeOf[err], err.Error()).Err()
	}
	return status.Error(codes.OK, "")
}

// notFound is the error of a missing thing.
func notFound(what string) error {
	return status.Errorf(codes.NotFound, "%s not found", what)
}

func store(id string) error {
	if id == "taken" {
		return errTaken
	}
	return nil
}

func main() {
	_ = server{}
}
