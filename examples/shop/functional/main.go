// Command functional is the functional test of the shop example: it places one
// order for an item the shop sells, paid with a good card, and checks the answer, asking
// the coordinator whether (and where) faults were injected for the conditional parts.
// It exits 0 when the test passes and 1 when it fails, printing only failures.
//
// It finds the entry service at ORDER_URL (default http://127.0.0.1:5100) and the
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

// order is the order placed: an item the catalog sells, a card payments accepts.
const order = `{"item": "widget", "quantity": 1, "card": "4242-4242-4242-4242"}`

// allowed are the statuses the order service may answer when faults are injected: the
// order was placed (201), or it was refused with a status that says why: the payment
// was declined (402), the item is unknown (404) or out of stock (409), or a service it
// needs is unavailable (503). Never 500.
var allowed = []int{
	http.StatusCreated,
	http.StatusPaymentRequired,
	http.StatusNotFound,
	http.StatusConflict,
	http.StatusServiceUnavailable,
}

// placed is the answer to a successful order.
type placed struct {
	Charge      string `json:"charge"`
	Order       string `json:"order"`
	Reservation string `json:"reservation"`
}

func main() {
	base := os.Getenv("ORDER_URL")
	if base == "" {
		base = "http://127.0.0.1:5100"
	}
	status, body, err := placeOrder(base)
	if err != nil {
		fail(err)
	}
	if err := check(runtime.WasFaultInjected(), runtime.WasFaultInjectedOn, status, body); err != nil {
		fail(err)
	}
}

// placeOrder places the test's one order with the order service at base and returns
// the answer.
func placeOrder(base string) (int, []byte, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(base+"/orders", "application/json", bytes.NewBufferString(order))
	if err != nil {
		return 0, nil, fmt.Errorf("placing the order: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("reading the order's answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// fail reports err and exits with status 1.
func fail(err error) {
	fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
	os.Exit(1)
}

// check asserts that without faults the order is placed, and that with faults the order
// service still answers one of the allowed statuses, with a complete body when it says
// the order was placed. faultInjected says whether the execution injects a fault;
// faultInjectedOn, asked only when the answer needs it, whether it injects one on a call
// to the service named.
func check(faultInjected bool, faultInjectedOn func(service string) bool, status int, body []byte) error {
	if !faultInjected {
		if status != http.StatusCreated {
			return fmt.Errorf("status %d although no fault was injected (body %q), want 201", status, body)
		}
		return checkPlaced(body)
	}
	if !slices.Contains(allowed, status) {
		return fmt.Errorf("status %d with faults injected (body %q), want one of %v", status, body, allowed)
	}
	if status == http.StatusCreated {
		if err := checkPlaced(body); err != nil {
			return err
		}
	}
	// The card is good, so only a fault on payments can make the order answer 402.
	if status == http.StatusPaymentRequired && !faultInjectedOn("payments") {
		return fmt.Errorf("status 402 (payment declined) although no fault was injected on payments")
	}
	return nil
}

// checkPlaced checks the body of a 201: the order, its reservation and its charge.
func checkPlaced(body []byte) error {
	var p placed
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("status 201 with a body that is not an order (%q): %v", body, err)
	}
	if p.Order == "" || p.Reservation == "" || p.Charge == "" {
		return fmt.Errorf("status 201 with an incomplete order %q: want order, reservation and charge", body)
	}
	return nil
}
