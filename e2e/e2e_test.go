package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBrokenVariantCounterexample explores cinema-2-broken, whose users service turns a
// 404 from bookings into a 200 with an empty body: the exploration must stop at the
// execution that injects that 404 (the sixth, as with the reference server) and write a
// counterexample, and replaying the counterexample must fail again. Replaying it
// against the correct cinema-2 must pass: the failure is the bug, not the fault.
func TestBrokenVariantCounterexample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs an application")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	app, err := Prepare(ctx, BuildOptions{Dir: filepath.Join("..", "examples", "cinema-2-broken")})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()

	ce := filepath.Join(t.TempDir(), "counterexample.json")
	summary, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, CounterexampleFile: ce})
	if err != nil {
		t.Fatal(err)
	}
	if !summary.Failed {
		t.Fatalf("exploring cinema-2-broken passed (%d executions); want a failure", summary.ExecutionsRan)
	}
	if summary.ExecutionsRan != 6 {
		t.Errorf("exploration stopped after %d executions; the reference stops after 6", summary.ExecutionsRan)
	}
	if _, err := os.Stat(ce); err != nil {
		t.Fatalf("no counterexample written: %v", err)
	}

	replay, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, Replay: ce})
	if err != nil {
		t.Fatal(err)
	}
	if !replay.Failed {
		t.Errorf("replaying the counterexample passed; want the failure reproduced")
	}
}
