// Package deploy describes an application as its filibuster.json does (Config) and
// runs one whose services are built (Built.Start): one process per service on ports of
// 127.0.0.1, each health-checked, and stopped with its whole process group. It depends
// on the standard library only, so that tests in a service's own module can run an
// application that `filibuster-gen prepare` built (see package filibustertest).
package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// BuiltFile is the name of the file, in a work directory, that describes the
// application built there.
const BuiltFile = "built.json"

// WriteBuilt writes b to dir's BuiltFile.
func WriteBuilt(dir string, b *Built) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", BuiltFile, err)
	}
	path := filepath.Join(dir, BuiltFile)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ReadBuilt reads dir's BuiltFile.
func ReadBuilt(dir string) (*Built, error) {
	path := filepath.Join(dir, BuiltFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the built application: %w", err)
	}
	var b Built
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.Config == nil || len(b.Config.Services) == 0 || b.BinDir == "" {
		return nil, fmt.Errorf("%s: no application described", path)
	}
	return &b, nil
}
