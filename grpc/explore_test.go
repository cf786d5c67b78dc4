package filibustergrpc_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"github.com/filibuster-go/filibuster-gen/runtime"
	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/faultmodel"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// analysis is a Go analysis file for gRPC: the two exceptions of the reference's
// default, DEADLINE_EXCEEDED on calls with a deadline only, and NOT_FOUND as the
// error the service can return.
const analysis = `{"grpc": {"pattern": "grpc\\.",
  "exceptions": [
    {"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE"}},
    {"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "DEADLINE_EXCEEDED"}, "restrictions": "timeout"}],
  "errors": [{"service_name": "frontend", "types": [{"exception": {"metadata": {"code": "NOT_FOUND"}}}]}]}}`

// TestExplore explores an application with our coordinator: the functional test, in
// a process of its own each time, checks a service's health without a deadline, then
// relays a check with a deadline through the service's Relay, which makes it a nested
// call. Each of the three calls can fail with UNAVAILABLE or NOT_FOUND and the two
// with a deadline with DEADLINE_EXCEEDED too; a failed Relay makes no nested call.
// So 3 × (4 + 3) = 21 executions, every fault landing on its call by its execution
// index in a new process. With dynamic reduction, 7 of them are pruned: Relay fails
// with the code its nested call failed with, so a NOT_FOUND injected on Relay is one
// an earlier execution saw (once), and each combination of a fault on the first Check
// with one on the nested call has both of its nodes in earlier executions (six).
func TestExplore(t *testing.T) {
	for _, tc := range []struct {
		reduction bool
		want      int
	}{{false, 21}, {true, 14}} {
		t.Run(fmt.Sprintf("reduction=%t", tc.reduction), func(t *testing.T) { explore(t, tc.reduction, tc.want) })
	}
}

func explore(t *testing.T, reduction bool, want int) {
	file, err := faultmodel.Parse([]byte(analysis))
	if err != nil {
		t.Fatal(err)
	}
	var url string
	var out bytes.Buffer
	c := coordinator.New(coordinator.Options{
		Analysis:         file,
		DynamicReduction: reduction,
		FunctionalTest: func(ctx context.Context) (bool, error) {
			cmd := exec.CommandContext(ctx, os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"=explore", "FILIBUSTER_URL="+url)
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if _, ok := err.(*exec.ExitError); ok {
				return false, nil
			}
			return err == nil, err
		},
	})
	srv := httptest.NewServer(c)
	defer srv.Close()
	url = srv.URL
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := c.Explore(ctx)
	if err != nil {
		t.Fatalf("Explore: %v\n%s", err, out.String())
	}
	if sum.Failed || sum.Incomplete || sum.Diverged != 0 {
		t.Errorf("summary: failed %t, incomplete %t (%v), diverged %d\n%s", sum.Failed, sum.Incomplete, sum.Unreached, sum.Diverged, out.String())
	}
	if sum.ExecutionsRan != want || sum.Passed != want {
		t.Errorf("%d executions ran, %d passed; want %d", sum.ExecutionsRan, sum.Passed, want)
	}
}

// exploreChild is TestExplore's functional test: it exits 0 when every call either
// succeeded, or failed with a code the coordinator may inject while it says it
// injected a fault.
func exploreChild() int {
	s, stop, err := newServer()
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	defer stop()
	allowed := func(err error) bool {
		switch status.Code(err) {
		case codes.OK:
			return true
		case codes.Unavailable, codes.DeadlineExceeded, codes.NotFound:
			return runtime.WasFaultInjected()
		}
		return false
	}
	_, err = healthpb.NewHealthClient(s.conn).Check(filibustergrpc.WithSite(context.Background(), siteCheck), &healthpb.HealthCheckRequest{})
	if !allowed(err) {
		fmt.Println("child: Check:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var reply wrapperspb.StringValue
	err = s.conn.Invoke(filibustergrpc.WithSite(ctx, siteOuter), relayMethod, wrapperspb.String(""), &reply)
	if !allowed(err) {
		fmt.Println("child: Relay:", err)
		return 1
	}
	return 0
}
