// Package report writes the report folder of an exploration: report.json, the
// exploration's model (coordinator.Report with the application's name, how to replay
// a failure and the generator's list of call sites), and index.html, a static page
// rendered from it that works from file:// and fetches nothing.
//
// The page shows the summary; every execution, filterable by result, service and
// fault, with its faults (landed or not) and its calls; the call-site coverage (every
// site the generator found, whether the fault-free run exercised it, the faults
// injected on it and those the analysis names that never were); and, for a failing
// execution, the command that replays it and the check a resilient caller makes.
// docs/report.md describes the JSON form.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// Format is the version of report.json's form.
const Format = 1

// File names in a report folder.
const (
	JSONFile = "report.json"
	HTMLFile = "index.html"
)

// Site is one call site or handler the generator found. Its JSON form is that of the
// entries of the generator's manifest.json, so the manifest reads as a []Site.
type Site struct {
	ID           string `json:"id"`
	File         string `json:"file"` // module-relative, slash-separated
	Line         int    `json:"line"`
	Func         string `json:"func,omitempty"`
	Kind         string `json:"kind"` // "client", "library", "handler" or "server"
	Callee       string `json:"callee"`
	Instrumented bool   `json:"instrumented"`
	Reason       string `json:"reason,omitempty"` // why it was not instrumented
	// Service is the service whose code holds the site, when the caller knows it.
	Service string `json:"service,omitempty"`
}

// Report is the content of report.json.
type Report struct {
	Format int `json:"format"`
	// Application is the application's name.
	Application string `json:"application"`
	// Command is how the exploration was run, for people.
	Command string `json:"command,omitempty"`
	// ReplayCommand replays the failing execution, when one failed and a
	// counterexample was written.
	ReplayCommand string `json:"replay_command,omitempty"`
	// Error is the error the exploration ended with, if any.
	Error string `json:"error,omitempty"`
	// Manifest lists every call site and handler the generator found; nil when the
	// caller has no manifest (the coverage then shows only the sites seen).
	Manifest    []Site              `json:"manifest"`
	Exploration *coordinator.Report `json:"exploration"`
}

// ReadManifest reads the generator's manifest.json.
func ReadManifest(path string) ([]Site, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	var sites []Site
	if err := json.Unmarshal(data, &sites); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return sites, nil
}

// Write writes r as dir/report.json and dir/index.html, creating dir.
func Write(dir string, r *Report) error {
	if r.Exploration == nil {
		return errors.New("report: no exploration")
	}
	if r.Format == 0 {
		r.Format = Format
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encoding %s: %w", JSONFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, JSONFile), append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return writeHTML(dir, r)
}

// Read reads dir/report.json.
func Read(dir string) (*Report, error) {
	path := filepath.Join(dir, JSONFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	if r.Format != Format {
		return nil, fmt.Errorf("report: %s is of format %d, this version reads %d", path, r.Format, Format)
	}
	if r.Exploration == nil {
		return nil, fmt.Errorf("report: %s has no exploration", path)
	}
	return &r, nil
}

// Regenerate rewrites dir/index.html from dir/report.json.
func Regenerate(dir string) error {
	r, err := Read(dir)
	if err != nil {
		return err
	}
	return writeHTML(dir, r)
}

func writeHTML(dir string, r *Report) error {
	f, err := os.Create(filepath.Join(dir, HTMLFile))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := Render(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
