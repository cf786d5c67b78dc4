// Command functional is the functional test of the clients example: it asks repos about a
// repository GitHub knows and checks the answer, asking the coordinator whether faults
// were injected on github for the answers only a failure of GitHub explains. It exits 0
// when the test passes and 1 when it fails, printing only failures.
//
// It finds the entry service at REPOS_URL (default http://127.0.0.1:5300) and the
// coordinator at FILIBUSTER_URL; with FILIBUSTER_URL unset no fault is ever injected.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// The repository asked about, and what GitHub knows of it.
const (
	path          = "/repos/filibuster-go/filibuster-gen"
	fullName      = "filibuster-go/filibuster-gen"
	stars         = 42
	defaultBranch = "main"
)

// tags are the repository's tags, newest first, as GitHub lists them.
var tags = []string{"v0.2.0", "v0.1.0"}

// repository is repos' answer.
type repository struct {
	FullName        string   `json:"full_name"`
	Stars           int      `json:"stars"`
	DefaultBranch   string   `json:"default_branch"`
	Tags            []string `json:"tags"`
	TagsUnavailable bool     `json:"tags_unavailable"`
}

func main() {
	base := os.Getenv("REPOS_URL")
	if base == "" {
		base = "http://127.0.0.1:5300"
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + path)
	if err != nil {
		fail(fmt.Errorf("asking repos: %w", err))
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(fmt.Errorf("reading repos' answer: %w", err))
	}
	if err := check(resp.StatusCode, body); err != nil {
		fail(err)
	}
}

// fail reports err and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
	os.Exit(1)
}

// check asserts that without faults repos answers the repository with its tags, and
// that only a fault injected on github explains anything less: the tags missing (200
// with tags_unavailable), no such repository (404), or GitHub unavailable (503). Never
// 500 or anything else.
func check(status int, body []byte) error {
	faulted := runtime.WasFaultInjectedOn("github")
	if !faulted && runtime.WasFaultInjected() {
		return fmt.Errorf("a fault was injected, but not on github, the only service repos calls")
	}
	switch status {
	case http.StatusOK:
		var r repository
		if err := json.Unmarshal(body, &r); err != nil {
			return fmt.Errorf("status 200 with a body that is not a repository (%q): %v", body, err)
		}
		if r.FullName != fullName || r.Stars != stars || r.DefaultBranch != defaultBranch {
			return fmt.Errorf("status 200 with the wrong repository: %q", body)
		}
		if r.TagsUnavailable {
			if !faulted {
				return fmt.Errorf("tags unavailable although no fault was injected: %q", body)
			}
			if len(r.Tags) > 0 {
				return fmt.Errorf("tags listed although said to be unavailable: %q", body)
			}
			return nil
		}
		if !slices.Equal(r.Tags, tags) {
			return fmt.Errorf("tags %q, want %q", r.Tags, tags)
		}
		return nil
	case http.StatusNotFound, http.StatusServiceUnavailable:
		// The repository exists and GitHub is up: only a fault explains these.
		if !faulted {
			return fmt.Errorf("status %d although no fault was injected on github (body %q), want 200", status, body)
		}
		return nil
	}
	return fmt.Errorf("status %d (body %q), want 200, or 404 or 503 when a fault was injected on github", status, body)
}
