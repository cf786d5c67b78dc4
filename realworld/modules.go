package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// module is one public module the harness instruments and tests.
type module struct {
	Path    string // module path, e.g. github.com/go-chi/chi/v5
	Version string // pinned version, e.g. v5.5.0

	// Exclude names tests left out of the comparison, with the reason. A key is a test
	// name as go test -json reports it ("TestFoo" or "TestFoo/sub"); a test's subtests
	// are excluded with it.
	Exclude map[string]string
}

// String returns path@version.
func (m module) String() string { return m.Path + "@" + m.Version }

// defaultModules are the modules make realworld runs, pinned to their latest release
// the module proxy served, and that builds with Go 1.26, as of November 2026 (for
// go-github, the newest major the proxy served). Tests that fail uninstrumented (most
// need the internet) drop out by comparison; Exclude lists only tests that are flaky
// uninstrumented.
var defaultModules = []module{
	{Path: "github.com/go-chi/chi/v5", Version: "v5.5.0"},
	{Path: "github.com/gorilla/mux", Version: "v1.8.1"},
	{Path: "github.com/hashicorp/go-retryablehttp", Version: "v0.7.8"},
	{Path: "github.com/go-resty/resty/v2", Version: "v2.17.2", Exclude: map[string]string{
		"TestClientRetryWait": "flaky uninstrumented on a loaded machine: the server measures the time " +
			"between attempts and allows 10ms beyond the longest jittered wait (150ms); at a load average of " +
			"17 on 2 cores the uninstrumented test binary, run alone, failed 6 runs of 10, with waits of up " +
			"to 388ms; under a coordinator it failed the same way, and only that way",
		"TestClientRetryWaitCallbackSwitchToDefault": "flaky uninstrumented on a loaded machine: the server " +
			"measures the time between attempts and allows 5ms beyond the first retry's fixed 1s wait; at a " +
			"load average of 12 on 2 cores the uninstrumented test binary, run alone, overshot by 11.5ms and " +
			"5.6ms in 2 runs of 6 (0.6-1.6ms in the others), the inert overlay build by 9.4ms in 1 of 5; " +
			"under a coordinator it failed the same way, and only that way; each attempt adds three " +
			"coordinator round trips, ~0.6ms in all at p50 then (measured with a loopback call)",
	}},
	{Path: "golang.org/x/oauth2", Version: "v0.37.0"},
	{Path: "github.com/gin-gonic/gin", Version: "v1.12.0"},
	{Path: "github.com/labstack/echo/v4", Version: "v4.16.0"},
	{Path: "github.com/google/go-github/v89", Version: "v89.0.0", Exclude: map[string]string{
		"TestDo_rateLimit_abortSleepContextCancelled": "flaky uninstrumented: a parallel test whose 10ms " +
			"context deadline can expire before its request reaches the test server on a loaded 2-core machine " +
			"(it failed in an uninstrumented run of the whole suite here)",
	}},
	{Path: "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", Version: "v0.72.0"},
}

// parseModule parses a -module flag value, path@version.
func parseModule(s string) (module, error) {
	path, version, ok := strings.Cut(s, "@")
	if !ok || path == "" || version == "" {
		return module{}, fmt.Errorf("-module %q: want path@version", s)
	}
	return module{Path: path, Version: version}, nil
}

// download fetches m through the module proxy into the harness's module cache and
// returns the directory that holds its source and the version it resolved to (m.Version
// may be a query such as latest).
func (h *harness) download(ctx context.Context, m module) (dir, version string, err error) {
	var stdout, stderr bytes.Buffer
	cmd := h.goCommand(ctx, h.tmp, "mod", "download", "-json", m.String())
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	var info struct {
		Dir     string
		Version string
		Error   string
	}
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		if runErr != nil {
			return "", "", fmt.Errorf("go mod download %s: %v: %s", m, runErr, strings.TrimSpace(stderr.String()))
		}
		return "", "", fmt.Errorf("go mod download %s: decoding its output: %w", m, err)
	}
	if info.Error != "" {
		return "", "", fmt.Errorf("go mod download %s: %s", m, info.Error)
	}
	if runErr != nil {
		return "", "", fmt.Errorf("go mod download %s: %v: %s", m, runErr, strings.TrimSpace(stderr.String()))
	}
	if info.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s: no directory reported", m)
	}
	return info.Dir, info.Version, nil
}

// copyTree copies the regular files and directories under src to dst, which must not
// exist, making every copy writable by its owner. Symbolic links are not followed: the
// module cache holds none.
func copyTree(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(target, path)
		default:
			return nil
		}
	})
}

// copyFile copies the regular file src to dst with mode 0644, or 0755 if src is
// executable.
func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi.Mode()&0o111 != 0 {
		mode = 0o755
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}
