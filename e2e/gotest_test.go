package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// brokenGoTest is the Go test form of cinema-2-broken's functional test, built only
// with the tag broken, and the execution it fails at, whose saved file is committed.
const (
	brokenGoTest      = "TestUserBookings"
	brokenExecution   = "bookings-404"
	brokenCheckFailed = "status 200 although a fault was injected"
)

// TestGoTestBroken runs cinema-2-broken's functional test as a Go test, in a go test
// subprocess, and reads its -json events. With the committed saved execution, the test
// fails, replaying that execution first, as a subtest of "saved", which fails with the
// check's message. Without it, the exploration fails at the same execution and saves
// it under the same name with the same content as the committed file.
func TestGoTestBroken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	pkgDir := filepath.Join("..", "examples", "cinema-2-broken", "functional")
	savedDir := filepath.Join(pkgDir, "testdata", "filibuster", brokenGoTest)
	savedFile := filepath.Join(savedDir, brokenExecution+".json")
	committed, err := os.ReadFile(savedFile)
	if err != nil {
		t.Fatalf("the saved execution, the regression test, is missing (git restore it): %v", err)
	}
	// Each run may leave files in savedDir; put it back as committed after each.
	restore := func() {
		t.Helper()
		if err := restoreSaved(savedDir, savedFile, committed); err != nil {
			t.Errorf("putting %s back as committed: %v", savedDir, err)
		}
	}
	t.Cleanup(restore)

	t.Run("saved", func(t *testing.T) {
		events := goTestJSON(t, pkgDir)
		if !packageFailed(events) {
			t.Fatal("the package passed; want the saved execution to fail")
		}
		first := firstExecution(events)
		if want := brokenGoTest + "/saved/" + brokenExecution; first != want {
			t.Fatalf("the first execution run is %q, want the saved one, %q; go test's output:\n%s", first, want, output(events))
		}
		checkFailed(t, events, first)
	})

	restore()

	// The saved execution replays on other ports than it was recorded on: the usual
	// port of its faulted call is taken, so the application gets another block.
	t.Run("saved on other ports", func(t *testing.T) {
		port, err := savedPort(committed)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			t.Fatalf("taking the saved execution's port: %v", err)
		}
		defer ln.Close()
		events := goTestJSON(t, pkgDir)
		first := firstExecution(events)
		if want := brokenGoTest + "/saved/" + brokenExecution; first != want {
			t.Fatalf("the first execution run is %q, want the saved one, %q; go test's output:\n%s", first, want, output(events))
		}
		checkFailed(t, events, first)
		if strings.Contains(output(events), "never landed") {
			t.Errorf("the saved execution's fault did not land on other ports:\n%s", output(events))
		}
	})

	restore()

	t.Run("explore", func(t *testing.T) {
		if err := os.Remove(savedFile); err != nil {
			t.Fatal(err)
		}
		events := goTestJSON(t, pkgDir)
		if !packageFailed(events) {
			t.Fatal("the package passed; want the exploration to fail")
		}
		for _, e := range events {
			if strings.HasPrefix(e.Test, brokenGoTest+"/saved") {
				t.Fatalf("%s ran with no saved execution", e.Test)
			}
		}
		if first, want := firstExecution(events), brokenGoTest+"/fault-free"; first != want {
			t.Errorf("the first execution run is %q, want %q; go test's output:\n%s", first, want, output(events))
		}
		failed := failedExecutions(events)
		if want := []string{brokenGoTest + "/" + brokenExecution}; !slices.Equal(failed, want) {
			t.Fatalf("failed executions %q, want %q", failed, want)
		}
		checkFailed(t, events, failed[0])
		files, err := filepath.Glob(filepath.Join(savedDir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{savedFile}; !slices.Equal(files, want) {
			t.Errorf("the exploration left %q in %s, want %q", files, savedDir, want)
		}
		saved, err := os.ReadFile(savedFile)
		if err != nil {
			t.Fatalf("the failing execution was not saved as %s: %v", savedFile, err)
		}
		if !bytes.Equal(saved, committed) {
			t.Errorf("the exploration saved %s with other content than the committed file:\n%s", savedFile, saved)
		}
	})
}

// savedPort returns the port of the first faulted call of a saved execution (a
// counterexample file), as its arguments give it ("31262/bookings/chris_rivers").
func savedPort(data []byte) (string, error) {
	var file struct{ TestExecution string }
	if err := json.Unmarshal(data, &file); err != nil {
		return "", err
	}
	var te struct {
		Failures []struct{ Args []string }
	}
	if err := json.Unmarshal([]byte(file.TestExecution), &te); err != nil {
		return "", err
	}
	if len(te.Failures) == 0 || len(te.Failures[0].Args) == 0 {
		return "", errors.New("the saved execution has no faulted call")
	}
	port, _, _ := strings.Cut(te.Failures[0].Args[0], "/")
	return port, nil
}

// restoreSaved leaves savedDir as it is in the repository: savedFile, with the
// committed content, and nothing else.
func restoreSaved(savedDir, savedFile string, committed []byte) error {
	files, err := filepath.Glob(filepath.Join(savedDir, "*"))
	if err != nil {
		return err
	}
	for _, f := range files {
		if f != savedFile {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	return os.WriteFile(savedFile, committed, 0o644)
}

// testEvent is an event of go test -json (see go doc test2json).
type testEvent struct {
	Action string
	Test   string
	Output string
}

// goTestJSON runs the Go test form of the broken functional test in pkgDir and returns
// its events.
func goTestJSON(t *testing.T, pkgDir string) []testEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCommand(), "test", "-tags", "broken", "-count=1", "-json", "-run", "^"+brokenGoTest+"$", ".")
	cmd.Dir = pkgDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("go test: %v\n%s", err, stderr.Bytes())
	}
	var events []testEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e testEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("go test -json: %v in %q\nstderr:\n%s", err, sc.Bytes(), stderr.Bytes())
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err == nil && packageFailed(events) {
		t.Errorf("go test exited 0 although the package failed")
	}
	if err != nil && !packageFailed(events) {
		t.Errorf("go test failed (%v) but the package did not:\n%s", err, stderr.Bytes())
	}
	return events
}

// packageFailed reports whether the events end with the package failing.
func packageFailed(events []testEvent) bool {
	for _, e := range events {
		if e.Test == "" && e.Action == "fail" {
			return true
		}
	}
	return false
}

// output returns the output of go test, all tests together.
func output(events []testEvent) string {
	var b strings.Builder
	for _, e := range events {
		if e.Action == "output" {
			b.WriteString(e.Output)
		}
	}
	return b.String()
}

// isExecution reports whether the subtest named test runs the body for an execution:
// it is not the test itself nor the group of the saved executions.
func isExecution(test string) bool {
	return strings.HasPrefix(test, brokenGoTest+"/") && test != brokenGoTest+"/saved"
}

// firstExecution returns the name of the first execution run.
func firstExecution(events []testEvent) string {
	for _, e := range events {
		if e.Action == "run" && isExecution(e.Test) {
			return e.Test
		}
	}
	return ""
}

// failedExecutions returns the names of the executions that failed, in order.
func failedExecutions(events []testEvent) []string {
	var failed []string
	for _, e := range events {
		if e.Action == "fail" && isExecution(e.Test) {
			failed = append(failed, e.Test)
		}
	}
	return failed
}

// checkFailed fails t unless the execution named test failed with the check's message.
func checkFailed(t *testing.T, events []testEvent, test string) {
	t.Helper()
	failed, message := false, false
	var output strings.Builder
	for _, e := range events {
		if e.Test != test {
			continue
		}
		failed = failed || e.Action == "fail"
		if e.Action == "output" {
			output.WriteString(e.Output)
			message = message || strings.Contains(e.Output, brokenCheckFailed)
		}
	}
	if !failed {
		t.Errorf("%s did not fail", test)
	}
	if !message {
		t.Errorf("%s did not fail with the check's message %q; its output:\n%s", test, brokenCheckFailed, output.String())
	}
}
