package filibustergrpc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// TestReplay checks that a counterexample file's gRPC fault is replayed with no
// coordinator: the call with its execution index fails with its code, the next call
// from the same site (count 2) does not.
func TestReplay(t *testing.T) {
	execution, err := json.Marshal(map[string]any{"failures": []any{map[string]any{
		"execution_index":  ei(key("site-check", checkMethod), 1),
		"failure_metadata": map[string]any{"exception": map[string]any{"metadata": map[string]any{"code": "NOT_FOUND"}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	file, err := json.Marshal(map[string]any{"functional_test": "test", "TestExecution": string(execution)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "counterexample.json")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=replay", "FILIBUSTER_URL=", "FILIBUSTER_COUNTEREXAMPLE_FILE="+path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !bytes.Contains(out.Bytes(), []byte("child: ok")) {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
}

// replayChild is TestReplay's process.
func replayChild() int {
	s, stop, err := newServer()
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	defer stop()
	client := healthpb.NewHealthClient(s.conn)
	ctx := filibustergrpc.WithSite(context.Background(), siteCheck)
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.NotFound {
		fmt.Println("child: first Check:", err, "want NotFound")
		return 1
	}
	if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		fmt.Println("child: second Check:", err)
		return 1
	}
	calls := s.received()
	if len(calls) != 1 {
		fmt.Println("child: server received", len(calls), "calls, want the second only")
		return 1
	}
	if got := calls[0].md.Get("x-filibuster-execution-index"); len(got) != 1 || got[0] != ei(key("site-check", checkMethod), 2) {
		fmt.Println("child: execution index", got)
		return 1
	}
	fmt.Println("child: ok")
	return 0
}
