package peer

import "testing"

func TestTarget(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"", "127.0.0.1:7001"},
		{"http://127.0.0.1:20001", "127.0.0.1:20001"},
		{"127.0.0.1:20002", "127.0.0.1:20002"},
	} {
		t.Setenv("FEED_URL", tc.value)
		if got := Target("FEED_URL", "127.0.0.1:7001"); got != tc.want {
			t.Errorf("FEED_URL=%q: Target = %q, want %q", tc.value, got, tc.want)
		}
	}
}
