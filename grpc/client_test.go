package filibustergrpc_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// key is the execution-index key of a call from site to method on the test server
// (docs/grpc.md): the md5 of site-grpc-method-"target".
func key(siteID, method string) string {
	sum := md5.Sum([]byte(siteID + "-grpc-" + method + `-"passthrough:///bufnet"`))
	return hex.EncodeToString(sum[:])
}

// ei is the JSON of an execution index, as Python writes it.
func ei(pairs ...any) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%q, %d]", pairs[i], pairs[i+1])
	}
	b.WriteByte(']')
	return b.String()
}

func check(ctx context.Context, s *testServer, service string) (*healthpb.HealthCheckResponse, error) {
	return healthpb.NewHealthClient(s.conn).Check(filibustergrpc.WithSite(ctx, siteCheck), &healthpb.HealthCheckRequest{Service: service})
}

func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	g, _ := json.Marshal(got)
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	wj, _ := json.Marshal(w)
	if string(g) != string(wj) {
		t.Errorf("%s = %s, want %s", what, g, wj)
	}
}

// TestUnary checks what a fault-free unary call reports and sends.
func TestUnary(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	resp, err := check(context.Background(), s, "")
	if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check = %v, %v", resp, err)
	}
	ex := coord.exchanges()
	if len(ex) == 0 || ex[0].method != "GET" || ex[0].path != "/filibuster/new-test-execution/"+serviceName {
		t.Fatalf("first exchange %v, want new-test-execution", ex)
	}
	creates := coord.bodies("/filibuster/create", "")
	if len(creates) != 1 {
		t.Fatalf("creates %v", creates)
	}
	wantEI := ei(key("site-check", checkMethod), 1)
	wantJSON(t, "create", creates[0], `{"instrumentation_type": "invocation", "source_service_name": "frontend",
		"module": "grpc", "method": "/grpc.health.v1.Health/Check", "args": ["/grpc.health.v1.Health/Check"],
		"kwargs": {}, "callsite_file": "client/main.go", "callsite_line": "12", "full_traceback": "site-check",
		"metadata": {}, "vclock": {"frontend": 1}, "origin_vclock": {}, "execution_index": `+jsonString(wantEI)+`}`)

	calls := s.received()
	if len(calls) != 1 {
		t.Fatalf("server received %v", calls)
	}
	md := calls[0].md
	for k, want := range map[string]string{
		"x-filibuster-generated-id":    "0",
		"x-filibuster-vclock":          `{"frontend": 1}`,
		"x-filibuster-origin-vclock":   `{"frontend": 1}`,
		"x-filibuster-execution-index": wantEI,
	} {
		if got := md.Get(k); len(got) != 1 || got[0] != want {
			t.Errorf("metadata %s = %q, want [%q]", k, got, want)
		}
	}
	if id := md.Get("x-filibuster-request-id"); len(id) != 1 || len(id[0]) != 36 {
		t.Errorf("request id %q", id)
	}
	if got := md.Get("x-filibuster-forced-sleep"); got != nil {
		t.Errorf("forced sleep %q sent with no fault", got)
	}
	recv := coord.bodies("/filibuster/update", "request_received")
	if len(recv) != 1 {
		t.Fatalf("request_received %v", recv)
	}
	wantJSON(t, "request_received", recv[0], `{"instrumentation_type": "request_received", "generated_id": "0",
		"execution_index": `+jsonString(wantEI)+`, "target_service_name": "frontend"}`)
	done := coord.bodies("/filibuster/update", "invocation_complete")
	if len(done) != 1 {
		t.Fatalf("invocation_complete %v", done)
	}
	wantJSON(t, "invocation_complete", done[0], `{"instrumentation_type": "invocation_complete", "generated_id": 0,
		"execution_index": `+jsonString(wantEI)+`, "vclock": {"frontend": 1},
		"return_value": {"__class__": "HealthCheckResponse"}}`)

	// The same call again is the key's second call, and the clock ticks.
	if _, err := check(context.Background(), s, ""); err != nil {
		t.Fatal(err)
	}
	creates = coord.bodies("/filibuster/create", "")
	if len(creates) != 2 || creates[1]["execution_index"] != ei(key("site-check", checkMethod), 2) {
		t.Errorf("second create %v", creates[len(creates)-1])
	}
	wantJSON(t, "second vclock", creates[1]["vclock"], `{"frontend": 2}`)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestUnaryDeadline checks that a call with a deadline reports its timeout, in
// seconds, and a call without one reports none.
func TestUnaryDeadline(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := check(ctx, s, ""); err != nil {
		t.Fatal(err)
	}
	creates := coord.bodies("/filibuster/create", "")
	md, _ := creates[0]["metadata"].(map[string]any)
	if secs, ok := md["timeout"].(float64); !ok || secs <= 2.5 || secs > 3 {
		t.Errorf("metadata %v, want a timeout of about 3 seconds", creates[0]["metadata"])
	}
}

// TestUnaryFaults checks what the caller gets, whether the call is sent and what is
// reported for every kind of fault on a unary call.
func TestUnaryFaults(t *testing.T) {
	cases := []struct {
		name     string
		fault    map[string]any
		deadline bool
		code     codes.Code
		message  string
		sent     bool
		sleep    string // x-filibuster-forced-sleep the server sees
		reported string // the invocation_complete's exception
	}{
		{"unavailable", map[string]any{"forced_exception": map[string]any{"name": filibustergrpc.ExceptionName, "metadata": map[string]any{"code": "UNAVAILABLE"}}},
			false, codes.Unavailable, "filibuster: injected UNAVAILABLE", false, "",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE"}}`},
		{"python name", map[string]any{"forced_exception": map[string]any{"name": "grpc._channel._InactiveRpcError", "metadata": map[string]any{"code": "StatusCode.UNAVAILABLE"}}},
			false, codes.Unavailable, "filibuster: injected UNAVAILABLE", false, "",
			`{"name": "grpc._channel._InactiveRpcError", "metadata": {"code": "StatusCode.UNAVAILABLE"}}`},
		{"deadline", map[string]any{"forced_exception": map[string]any{"name": filibustergrpc.ExceptionName, "metadata": map[string]any{"code": "DEADLINE_EXCEEDED"}}},
			true, codes.DeadlineExceeded, "context deadline exceeded", false, "",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "DEADLINE_EXCEEDED"}}`},
		{"deadline sent with sleep", map[string]any{"forced_exception": map[string]any{"name": filibustergrpc.ExceptionName, "metadata": map[string]any{"code": "DEADLINE_EXCEEDED", "abort": false, "sleep": 0.05}}},
			true, codes.DeadlineExceeded, "context deadline exceeded", true, "0.05",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "DEADLINE_EXCEEDED", "abort": false, "sleep": 0.05}}`},
		{"not found", map[string]any{"failure_metadata": map[string]any{"exception": map[string]any{"metadata": map[string]any{"code": "NOT_FOUND"}}}},
			false, codes.NotFound, "filibuster: injected NOT_FOUND", false, "",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "NOT_FOUND"}}`},
		{"numeric code", map[string]any{"failure_metadata": map[string]any{"exception": map[string]any{"metadata": map[string]any{"code": 7}}}},
			false, codes.PermissionDenied, "filibuster: injected PERMISSION_DENIED", false, "",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "PERMISSION_DENIED"}}`},
		{"http status", map[string]any{"failure_metadata": map[string]any{"return_value": map[string]any{"status_code": "503"}}},
			false, codes.Unavailable, "filibuster: injected UNAVAILABLE", false, "",
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE"}}`},
		{"go refused", map[string]any{"forced_exception": map[string]any{"name": "syscall.ECONNREFUSED"}},
			false, codes.Unavailable, "filibuster: injected UNAVAILABLE", false, "",
			`{"name": "syscall.ECONNREFUSED", "metadata": {}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			coord.start(t, faultOn(checkMethod, tc.fault))
			ctx := context.Background()
			if tc.deadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
			}
			began := time.Now()
			resp, err := check(ctx, s, "")
			st, ok := status.FromError(err)
			if resp != nil || !ok || st.Code() != tc.code || st.Message() != tc.message || status.Code(err) != tc.code {
				t.Fatalf("Check = %v, %v; want a status error %v %q", resp, err, tc.code, tc.message)
			}
			calls := s.received()
			if sent := len(calls) > 0; sent != tc.sent {
				t.Fatalf("call sent: %t, want %t", sent, tc.sent)
			}
			if tc.sleep != "" {
				if got := calls[0].md.Get("x-filibuster-forced-sleep"); len(got) != 1 || got[0] != tc.sleep {
					t.Errorf("forced sleep %q, want %q", got, tc.sleep)
				}
				if d := time.Since(began); d < 50*time.Millisecond {
					t.Errorf("the call returned after %v, before the server's forced sleep", d)
				}
			}
			if n := len(coord.bodies("/filibuster/update", "request_received")); n != len(calls) {
				t.Errorf("%d request_received for %d calls received", n, len(calls))
			}
			done := coord.bodies("/filibuster/update", "invocation_complete")
			if len(done) != 1 {
				t.Fatalf("invocation_complete %v", done)
			}
			if _, ok := done[0]["return_value"]; ok {
				t.Errorf("a failed call reported a return value: %v", done[0])
			}
			wantJSON(t, "exception", done[0]["exception"], tc.reported)
		})
	}
}

// TestUnaryServerError checks that a status the server returns reaches the caller
// unchanged and is reported with its code.
func TestUnaryServerError(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	_, err := check(context.Background(), s, "no-such-service")
	if status.Code(err) != codes.NotFound {
		t.Fatalf("err = %v, want NotFound from the health server", err)
	}
	done := coord.bodies("/filibuster/update", "invocation_complete")
	if len(done) != 1 {
		t.Fatalf("invocation_complete %v", done)
	}
	wantJSON(t, "exception", done[0]["exception"], `{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "NOT_FOUND"}}`)
}

// TestNested checks that a call made while serving a call carries on the caller's
// execution index and vector clocks, and that a fault lands on it by its index.
func TestNested(t *testing.T) {
	s := startServer(t)
	outer := ei(key("site-relay-outer", relayMethod), 1)
	inner := ei(key("site-relay-outer", relayMethod), 1, key("site-relay", checkMethod), 1)
	coord.start(t, func(payload map[string]any) map[string]any {
		if payload["execution_index"] == inner {
			return map[string]any{"failure_metadata": map[string]any{"exception": map[string]any{"metadata": map[string]any{"code": "UNAVAILABLE"}}}}
		}
		return nil
	})
	ctx := filibustergrpc.WithSite(context.Background(), siteOuter)
	var out wrapperspb.StringValue
	err := s.conn.Invoke(ctx, relayMethod, wrapperspb.String(""), &out)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("Relay = %v, want the Unavailable its nested call was failed with", err)
	}
	creates := coord.bodies("/filibuster/create", "")
	if len(creates) != 2 {
		t.Fatalf("creates %v", creates)
	}
	if creates[0]["execution_index"] != outer || creates[1]["execution_index"] != inner {
		t.Errorf("execution indexes %v, %v; want %s, %s", creates[0]["execution_index"], creates[1]["execution_index"], outer, inner)
	}
	wantJSON(t, "inner vclock", creates[1]["vclock"], `{"frontend": 2}`)
	wantJSON(t, "inner origin", creates[1]["origin_vclock"], `{"frontend": 1}`)
	calls := s.received()
	if len(calls) != 1 || calls[0].method != relayMethod {
		t.Fatalf("server received %v, want Relay only (its Check was failed)", calls)
	}
	// The request id goes on: the nested call belongs to the outer call's request.
	if n := len(coord.bodies("/filibuster/update", "invocation_complete")); n != 2 {
		t.Errorf("%d invocation_complete, want 2", n)
	}
}

// TestNestedOnGoroutine checks that a call made on a goroutine a gRPC handler
// started, without the handler's context, belongs to the handler's call, as for
// net/http handlers.
func TestNestedOnGoroutine(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	var out wrapperspb.StringValue
	if err := s.conn.Invoke(filibustergrpc.WithSite(context.Background(), siteOuter), relayMethod, wrapperspb.String("goroutine"), &out); err != nil {
		t.Fatal(err)
	}
	creates := coord.bodies("/filibuster/create", "")
	if len(creates) != 2 {
		t.Fatalf("creates %v", creates)
	}
	want := ei(key("site-relay-outer", relayMethod), 1, key("site-relay", checkMethod), 1)
	if creates[1]["execution_index"] != want || creates[1]["on_goroutine"] != true {
		t.Errorf("nested call: execution index %v, on_goroutine %v; want %s, true", creates[1]["execution_index"], creates[1]["on_goroutine"], want)
	}
	wantJSON(t, "nested origin", creates[1]["origin_vclock"], `{"frontend": 1}`)
}

var siteOuter = runtime.Site{ID: "site-relay-outer", File: "client/main.go", Line: 50, Func: "main.relay"}

// TestLibrarySite checks that a call without a site is attributed to the innermost
// frame outside grpc-go, protobuf and this package: here, the test's own line.
func TestLibrarySite(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	_, err := healthpb.NewHealthClient(s.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	_, file, line, _ := goruntime.Caller(0)
	if err != nil {
		t.Fatal(err)
	}
	creates := coord.bodies("/filibuster/create", "")
	if len(creates) != 1 {
		t.Fatalf("creates %v", creates)
	}
	wantFile := "github.com/filibuster-go/filibuster-gen/grpc_test/" + file[strings.LastIndexByte(file, '/')+1:]
	if creates[0]["callsite_file"] != wantFile || creates[0]["callsite_line"] != fmt.Sprint(line-1) {
		t.Errorf("call site %v:%v, want %s:%d", creates[0]["callsite_file"], creates[0]["callsite_line"], wantFile, line-1)
	}
	if id, _ := creates[0]["full_traceback"].(string); len(id) != 32 {
		t.Errorf("site id %q, want a library site id", id)
	}
	if !reflect.DeepEqual(creates[0]["args"], []any{checkMethod}) {
		t.Errorf("args %v", creates[0]["args"])
	}
}
