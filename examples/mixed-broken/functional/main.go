// Command functional is the functional test of the mixed-broken example: it transfers a small
// amount between two accounts that exist and hold enough, and checks the answer, asking
// the coordinator whether (and where) faults were injected for the conditional parts.
// It exits 0 when the test passes and 1 when it fails, printing only failures.
//
// It finds the entry service at GATEWAY_URL (default http://127.0.0.1:5200) and the
// coordinator at FILIBUSTER_URL; with FILIBUSTER_URL unset no fault is ever injected.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// transfer is the transfer made: between two accounts that exist, for an amount the
// sender holds many times over.
const transfer = `{"from": "alice", "to": "bob", "amount": 1}`

// allowed are the statuses gateway may answer when faults are injected: the transfer was
// made (201), or it was refused with a status that says why: an account is unknown
// (404), the funds are insufficient (409), or a service it needs is unavailable (503).
// Never 500.
var allowed = []int{
	http.StatusCreated,
	http.StatusNotFound,
	http.StatusConflict,
	http.StatusServiceUnavailable,
}

// made is the answer to a transfer that was made.
type made struct {
	Entry string `json:"entry"`
}

func main() {
	base := os.Getenv("GATEWAY_URL")
	if base == "" {
		base = "http://127.0.0.1:5200"
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(base+"/transfers", "application/json", bytes.NewBufferString(transfer))
	if err != nil {
		fail(fmt.Errorf("making the transfer: %w", err))
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		fail(fmt.Errorf("reading the transfer's answer: %w", err))
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

// check asserts that without faults the transfer is made, and that with faults gateway
// still answers one of the allowed statuses, with an entry id when it says the transfer
// was made.
func check(status int, body []byte) error {
	if !runtime.WasFaultInjected() {
		if status != http.StatusCreated {
			return fmt.Errorf("status %d although no fault was injected (body %q), want 201", status, body)
		}
		return checkMade(body)
	}
	if !slices.Contains(allowed, status) {
		return fmt.Errorf("status %d with faults injected (body %q), want one of %v", status, body, allowed)
	}
	switch {
	case status == http.StatusCreated:
		return checkMade(body)
	// Both accounts exist, so only a fault on accounts can make gateway answer 404...
	case status == http.StatusNotFound && !runtime.WasFaultInjectedOn("accounts"):
		return fmt.Errorf("status 404 (unknown account) although no fault was injected on accounts")
	// ...and alice holds plenty, so only a fault on ledger can make it answer 409.
	case status == http.StatusConflict && !runtime.WasFaultInjectedOn("ledger"):
		return fmt.Errorf("status 409 (insufficient funds) although no fault was injected on ledger")
	}
	return nil
}

// checkMade checks the body of a 201: the ledger's entry id.
func checkMade(body []byte) error {
	var m made
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("status 201 with a body that is not a transfer (%q): %v", body, err)
	}
	if m.Entry == "" {
		return fmt.Errorf("status 201 without an entry id: %q", body)
	}
	return nil
}
