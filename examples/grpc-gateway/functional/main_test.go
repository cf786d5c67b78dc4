package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCheck checks the functional test's verdicts on the answers the gateway gives and
// on answers a broken gateway could give.
func TestCheck(t *testing.T) {
	degraded := expected
	degraded.Recommendations, degraded.Degraded = []string{}, true
	noOrders := expected
	noOrders.Orders = nil
	for _, tc := range []struct {
		name   string
		faults []string
		code   int
		body   []byte
		err    string // "" when the answer passes
	}{
		{"fault-free", nil, 200, mustJSON(t, expected), ""},
		{"fault-free, degraded", nil, 200, mustJSON(t, degraded), "dashboard"},
		{"fault-free, error", nil, 503, mustJSON(t, failure{"users", "down"}), "want 200"},
		{"fault-free, orders missing", nil, 200, mustJSON(t, noOrders), "dashboard"},
		{"recommendations fallback", []string{"recommendations"}, 200, mustJSON(t, degraded), ""},
		{"recommendations, no fallback", []string{"recommendations"}, 503, mustJSON(t, failure{"recommendations", "down"}), "want 200"},
		{"recommendations, not marked degraded", []string{"recommendations"}, 200, mustJSON(t, expected), "dashboard"},
		{"users not found", []string{"users"}, 404, mustJSON(t, failure{"users", "no user"}), ""},
		{"users unavailable", []string{"users"}, 503, mustJSON(t, failure{"users", "down"}), ""},
		{"users timeout", []string{"users"}, 504, mustJSON(t, failure{"users", "slow"}), ""},
		{"users, 500", []string{"users"}, 500, mustJSON(t, failure{"users", "?"}), "want one of"},
		{"users, success", []string{"users"}, 200, mustJSON(t, expected), "want one of"},
		{"users, blaming orders", []string{"users"}, 503, mustJSON(t, failure{"orders", "down"}), "naming users"},
		{"orders internal", []string{"orders"}, 500, mustJSON(t, failure{"orders", "broken"}), ""},
		{"catalog unavailable", []string{"catalog"}, 503, mustJSON(t, failure{"orders", "catalog: down"}), ""},
		{"catalog, 404", []string{"catalog"}, 404, mustJSON(t, failure{"orders", "catalog: ?"}), "want one of"},
		{"catalog, blaming catalog", []string{"catalog"}, 500, mustJSON(t, failure{"catalog", "?"}), "naming orders"},
		{"orders, no message", []string{"orders"}, 503, mustJSON(t, failure{"orders", ""}), "with a message"},
		{"orders, not JSON", []string{"orders"}, 503, []byte("Service Unavailable\n"), "malformed"},
	} {
		err := check(tc.faults, tc.code, tc.body)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v; want a pass", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.err)
		}
	}
}
