package runtime

import (
	"net/http"
	"testing"
)

// FuzzVClock checks that a vector clock that parses encodes back to a clock that parses
// to the same counts, and that parsing never panics.
func FuzzVClock(f *testing.F) {
	f.Add(`{"users": 2, "bookings": 1}`)
	f.Add(`{}`)
	f.Add(`{"a": 1, "a": 2}`)
	f.Add(`{"\u00e9": 3}`)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseVClock(s)
		if err != nil {
			return
		}
		again, err := parseVClock(v.String())
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", v.String(), s, err)
		}
		if again.String() != v.String() {
			t.Fatalf("round trip changed %q to %q", v.String(), again.String())
		}
	})
}

// FuzzExecutionIndex checks the execution-index parser the same way.
func FuzzExecutionIndex(f *testing.F) {
	f.Add(`[["68ae4deac392aa61feeeb0634d243d57", 1], ["e7ef", 2]]`)
	f.Add(`[]`)
	f.Add(`[["a"]]`)
	f.Fuzz(func(t *testing.T, s string) {
		ei, err := parseEI(s)
		if err != nil {
			return
		}
		again, err := parseEI(ei.String())
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", ei.String(), s, err)
		}
		if again.String() != ei.String() {
			t.Fatalf("round trip changed %q to %q", ei.String(), again.String())
		}
	})
}

// FuzzHeaders feeds arbitrary Filibuster headers to a handler's parser: it must either
// reject them or yield state that encodes back to parseable headers.
func FuzzHeaders(f *testing.F) {
	f.Add(`[["k", 1]]`, `{"a": 1}`, `{"a": 1}`)
	f.Add(`[]`, ``, `{}`)
	f.Add(`not json`, `{`, `}`)
	f.Fuzz(func(t *testing.T, eiText, vc, origin string) {
		h := http.Header{}
		h.Set(headerVClock, vc)
		h.Set(headerOriginVClock, origin)
		in := &incoming{}
		if err := in.parseHeaders(h, eiText); err != nil {
			return
		}
		if _, err := parseEI(in.ei.String()); err != nil {
			t.Fatalf("execution index %q does not re-parse: %v", in.ei.String(), err)
		}
		if _, err := parseVClock(in.vclock.String()); err != nil {
			t.Fatalf("vclock %q does not re-parse: %v", in.vclock.String(), err)
		}
	})
}
