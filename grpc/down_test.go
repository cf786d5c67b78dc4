package filibustergrpc_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// childEnv names the scenario a child process of TestCoordinatorFailures runs
// instead of the tests: the runtime reads its configuration once per process.
const childEnv = "FILIBUSTERGRPC_TEST_CHILD"

// TestCoordinatorFailures checks that a coordinator that is down, or that accepts
// connections and never answers, breaks no call: each scenario runs in a process of
// its own, pointed at such a coordinator.
func TestCoordinatorFailures(t *testing.T) {
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://" + down.Addr().String()
	down.Close() // nothing listens there now

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered, until the listener closes
		}
	}()

	for _, sc := range []struct{ name, url string }{{"down", downURL}, {"silent", "http://" + silent.Addr().String()}} {
		t.Run(sc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), childEnv+"=calls", "FILIBUSTER_URL="+sc.url, "FILIBUSTER_TIMEOUT=300ms")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			began := time.Now()
			if err := cmd.Run(); err != nil {
				t.Fatalf("child: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "child: ok") {
				t.Errorf("child output %q", out.String())
			}
			// One coordinator timeout at most: the first failure gives it up.
			if d := time.Since(began); d > 10*time.Second {
				t.Errorf("child took %v", d)
			}
		})
	}
}

// runChild runs a scenario of TestCoordinatorFailures and returns the exit status.
func runChild(scenario string) int {
	switch scenario {
	case "calls":
	case "explore":
		return exploreChild()
	case "replay":
		return replayChild()
	default:
		fmt.Println("unknown scenario", scenario)
		return 2
	}
	s, stop, err := newServer()
	if err != nil {
		fmt.Println("child:", err)
		return 1
	}
	defer stop()
	for i := 0; i < 5; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := healthpb.NewHealthClient(s.conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
			cancel()
			fmt.Println("child: Check:", resp, err)
			return 1
		}
		stream, err := chat(ctx, s.conn)
		if err == nil {
			err = stream.SendMsg(wrapperspb.String("hi"))
		}
		var m wrapperspb.StringValue
		if err == nil {
			err = stream.RecvMsg(&m)
		}
		cancel()
		if err != nil || m.Value != "hi" {
			fmt.Println("child: Chat:", m.Value, err)
			return 1
		}
	}
	for _, c := range s.received() {
		if c.md.Get("x-filibuster-execution-index") != nil {
			fmt.Println("child: a call carried an execution index with no coordinator:", c.md)
			return 1
		}
	}
	fmt.Println("child: ok")
	return 0
}
