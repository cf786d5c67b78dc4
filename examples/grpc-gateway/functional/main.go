// Command functional is the functional test of grpc-gateway: it asks the gateway for
// alice's dashboard over HTTP, as a browser would, and checks the answer against the
// faults the coordinator says it injected. It exits 0 when the test passes and 1 when
// it fails.
//
// It finds the gateway at GATEWAY_URL (default http://127.0.0.1:6000) and the
// coordinator at FILIBUSTER_URL; with FILIBUSTER_URL unset no fault is ever injected.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
)

// dashboard is the gateway's answer when it succeeds.
type dashboard struct {
	Username        string   `json:"username"`
	Name            string   `json:"name"`
	Orders          []order  `json:"orders"`
	Recommendations []string `json:"recommendations"`
	Degraded        bool     `json:"degraded"`
}

type order struct {
	ID    string `json:"id"`
	Items []item `json:"items"`
}

type item struct {
	SKU        string `json:"sku"`
	Title      string `json:"title"`
	PriceCents int64  `json:"price_cents"`
}

// failure is the gateway's answer when a service it needs fails.
type failure struct {
	Service string `json:"service"`
	Error   string `json:"error"`
}

// expected is alice's dashboard with every service up.
var expected = dashboard{
	Username: "alice",
	Name:     "Alice Liddell",
	Orders: []order{
		{ID: "o-1001", Items: []item{{"book-1", "Through the Looking-Glass", 1299}}},
		{ID: "o-1002", Items: []item{{"tea-1", "Darjeeling, 100 g", 850}, {"book-1", "Through the Looking-Glass", 1299}}},
	},
	Recommendations: []string{"hat-1"},
}

func main() {
	base := os.Getenv("GATEWAY_URL")
	if base == "" {
		base = "http://127.0.0.1:6000"
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/users/alice/dashboard")
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		err = check(faulted(), resp.StatusCode, body)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
}

// faulted returns the services on whose calls the execution injects faults, in the
// order the gateway's request reaches them.
func faulted() []string {
	var out []string
	for _, s := range []string{"users", "orders", "catalog", "recommendations"} {
		if runtime.WasFaultInjectedOn(s) {
			out = append(out, s)
		}
	}
	return out
}

// check checks the gateway's answer, status and body, given the services whose calls
// fail (faulted's order). The first failing service decides: users fails the request
// with 404 (no such user), 503 (unavailable) or 504 (no answer in time); orders with
// those or 500; the catalog makes orders fail with UNAVAILABLE (503) or, for an
// unknown item, INTERNAL (500); and recommendations is the fallback: alice's dashboard
// without recommendations, marked degraded.
func check(faults []string, code int, body []byte) error {
	first := ""
	if len(faults) > 0 {
		first = faults[0]
	}
	switch first {
	case "", "recommendations":
		if code != http.StatusOK {
			return fmt.Errorf("status %d (%s) with faults on %v; want 200", code, body, faults)
		}
		var got dashboard
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Errorf("malformed dashboard %q: %v", body, err)
		}
		want := expected
		if first == "recommendations" {
			want.Recommendations, want.Degraded = []string{}, true
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("dashboard %+v with faults on %v; want %+v", got, faults, want)
		}
		return nil
	}
	statuses := map[string][]int{
		"users":   {http.StatusNotFound, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		"orders":  {http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		"catalog": {http.StatusInternalServerError, http.StatusServiceUnavailable},
	}[first]
	if !slices.Contains(statuses, code) {
		return fmt.Errorf("status %d (%s) with a fault on %s; want one of %v", code, body, first, statuses)
	}
	var got failure
	if err := json.Unmarshal(body, &got); err != nil {
		return fmt.Errorf("malformed error %q: %v", body, err)
	}
	blamed := first
	if first == "catalog" {
		blamed = "orders" // the gateway sees orders fail
	}
	if got.Service != blamed || got.Error == "" {
		return fmt.Errorf("error %+v with a fault on %s; want one naming %s, with a message", got, first, blamed)
	}
	return nil
}
