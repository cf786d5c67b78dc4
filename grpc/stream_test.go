package filibustergrpc_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// exchangeMsgs sends each message on s and receives its echo, and returns how many
// round trips succeeded and the first error.
func exchangeMsgs(s grpc.ClientStream, msgs ...string) (int, error) {
	for i, m := range msgs {
		if err := s.SendMsg(wrapperspb.String(m)); err != nil {
			return i, err
		}
		var got wrapperspb.StringValue
		if err := s.RecvMsg(&got); err != nil {
			return i, err
		}
		if got.Value != m {
			return i, errors.New("echo " + got.Value + ", want " + m)
		}
	}
	return len(msgs), nil
}

// TestStream checks what a fault-free bidi stream reports and sends: one call, opened
// once, complete when it ends.
func TestStream(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	stream, err := chat(context.Background(), s.conn)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := exchangeMsgs(stream, "a", "b", "c"); n != 3 || err != nil {
		t.Fatalf("exchanged %d, %v", n, err)
	}
	if len(coord.bodies("/filibuster/update", "invocation_complete")) != 0 {
		t.Error("the stream was reported complete while open")
	}
	stream.CloseSend()
	if err := stream.RecvMsg(new(wrapperspb.StringValue)); err != io.EOF {
		t.Fatalf("RecvMsg after CloseSend = %v, want io.EOF", err)
	}
	wantEI := ei(key("site-chat", chatMethod), 1)
	creates := coord.bodies("/filibuster/create", "")
	if len(creates) != 1 || creates[0]["execution_index"] != wantEI || creates[0]["method"] != chatMethod || creates[0]["module"] != "grpc" {
		t.Fatalf("creates %v, want one for the stream", creates)
	}
	calls := s.received()
	if len(calls) != 1 || calls[0].md.Get("x-filibuster-execution-index")[0] != wantEI {
		t.Fatalf("server received %v", calls)
	}
	if n := len(coord.bodies("/filibuster/update", "request_received")); n != 1 {
		t.Errorf("%d request_received, want 1 per stream", n)
	}
	done := coord.waitBodies(t, "/filibuster/update", "invocation_complete", 1)
	wantJSON(t, "return value", done[0]["return_value"], `{"__class__": "stream"}`)
}

// TestStreamAbandoned checks that a server stream its caller leaves by cancelling its
// context is reported then, as cancelled.
func TestStreamAbandoned(t *testing.T) {
	s := startServer(t)
	coord.start(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := healthpb.NewHealthClient(s.conn).Watch(filibustergrpc.WithSite(ctx, siteCheck), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := w.Recv(); err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Recv = %v, %v", resp, err)
	}
	cancel()
	done := coord.waitBodies(t, "/filibuster/update", "invocation_complete", 1)
	wantJSON(t, "exception", done[0]["exception"], `{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "CANCELLED"}}`)
	if _, err := w.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("Recv after cancel = %v", err)
	}
	if n := len(coord.bodies("/filibuster/update", "invocation_complete")); n != 1 {
		t.Errorf("%d invocation_complete, want 1", n)
	}
}

func forced(code string, extra ...any) map[string]any {
	md := map[string]any{"code": code}
	for i := 0; i < len(extra); i += 2 {
		md[extra[i].(string)] = extra[i+1]
	}
	return map[string]any{"forced_exception": map[string]any{"name": filibustergrpc.ExceptionName, "metadata": md}}
}

func failure(code string, extra ...any) map[string]any {
	md := map[string]any{"code": code}
	for i := 0; i < len(extra); i += 2 {
		md[extra[i].(string)] = extra[i+1]
	}
	return map[string]any{"failure_metadata": map[string]any{"exception": map[string]any{"metadata": md}}}
}

// TestStreamFaultsBeforeOpen checks the faults that fail a stream before its first
// message: an exception fails the stream's opening, as grpc-go's NewStream fails on a
// connection that cannot be made; a status code fails its first receive, as a callee
// that ends the stream at once does. Neither reaches the server.
func TestStreamFaultsBeforeOpen(t *testing.T) {
	t.Run("unavailable", func(t *testing.T) {
		s := startServer(t)
		coord.start(t, faultOn(watchMethod, forced("UNAVAILABLE")))
		w, err := healthpb.NewHealthClient(s.conn).Watch(filibustergrpc.WithSite(context.Background(), siteCheck), &healthpb.HealthCheckRequest{})
		if w != nil || status.Code(err) != codes.Unavailable {
			t.Fatalf("Watch = %v, %v; want Unavailable", w, err)
		}
		notSent(t, s)
		done := coord.waitBodies(t, "/filibuster/update", "invocation_complete", 1)
		wantJSON(t, "exception", done[0]["exception"], `{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE"}}`)
	})
	t.Run("deadline", func(t *testing.T) {
		s := startServer(t)
		coord.start(t, faultOn(chatMethod, forced("DEADLINE_EXCEEDED")))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stream, err := chat(ctx, s.conn)
		if stream != nil || status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("chat = %v, %v; want DeadlineExceeded", stream, err)
		}
		if ctx.Err() != nil {
			t.Error("the injected deadline ended the caller's context")
		}
		notSent(t, s)
		md, _ := coord.bodies("/filibuster/create", "")[0]["metadata"].(map[string]any)
		if _, ok := md["timeout"]; !ok {
			t.Errorf("create metadata %v has no timeout", md)
		}
	})
	t.Run("not found on a server stream", func(t *testing.T) {
		s := startServer(t)
		coord.start(t, faultOn(watchMethod, failure("NOT_FOUND")))
		w, err := healthpb.NewHealthClient(s.conn).Watch(filibustergrpc.WithSite(context.Background(), siteCheck), &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("Watch = %v; a status fault fails the first receive, not the opening", err)
		}
		if resp, err := w.Recv(); resp != nil || status.Code(err) != codes.NotFound {
			t.Fatalf("Recv = %v, %v; want NotFound", resp, err)
		}
		notSent(t, s)
		done := coord.waitBodies(t, "/filibuster/update", "invocation_complete", 1)
		wantJSON(t, "exception", done[0]["exception"], `{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "NOT_FOUND"}}`)
	})
	t.Run("not found on a bidi stream", func(t *testing.T) {
		s := startServer(t)
		coord.start(t, faultOn(chatMethod, failure("NOT_FOUND")))
		stream, err := chat(context.Background(), s.conn)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.SendMsg(wrapperspb.String("a")); err != io.EOF {
			t.Errorf("SendMsg = %v, want io.EOF (the stream has ended)", err)
		}
		if err := stream.RecvMsg(new(wrapperspb.StringValue)); status.Code(err) != codes.NotFound {
			t.Errorf("RecvMsg = %v, want NotFound", err)
		}
		notSent(t, s)
	})
	t.Run("sent with sleep", func(t *testing.T) {
		s := startServer(t)
		coord.start(t, faultOn(chatMethod, forced("UNAVAILABLE", "abort", false, "sleep", 0.05)))
		began := time.Now()
		stream, err := chat(context.Background(), s.conn)
		if stream != nil || status.Code(err) != codes.Unavailable {
			t.Fatalf("chat = %v, %v; want Unavailable", stream, err)
		}
		if d := time.Since(began); d < 50*time.Millisecond {
			t.Errorf("returned after %v, before the server's forced sleep", d)
		}
		calls := s.received()
		if len(calls) != 1 || calls[0].md.Get("x-filibuster-forced-sleep")[0] != "0.05" {
			t.Fatalf("server received %v, want the stream with a forced sleep", calls)
		}
	})
}

func notSent(t *testing.T, s *testServer) {
	t.Helper()
	if calls := s.received(); len(calls) != 0 {
		t.Errorf("the faulted stream reached the server: %v", calls)
	}
	if n := len(coord.bodies("/filibuster/update", "request_received")); n != 0 {
		t.Errorf("%d request_received for a stream that was not sent", n)
	}
}

// TestStreamFaultsAfterMessages checks the faults that let a number of messages go
// through in one direction first.
func TestStreamFaultsAfterMessages(t *testing.T) {
	cases := []struct {
		name     string
		fault    map[string]any
		through  int  // round trips that succeed
		sendFail bool // the failing round trip fails on sending (io.EOF), not receiving
		code     codes.Code
		reported string
	}{
		{"after 2 sent", forced("UNAVAILABLE", "after_sent", 2), 2, true, codes.Unavailable,
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE", "after_sent": 2}}`},
		{"after 1 received", forced("UNAVAILABLE", "after_received", 1), 1, false, codes.Unavailable,
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "UNAVAILABLE", "after_received": 1}}`},
		{"status after 0 sent", failure("RESOURCE_EXHAUSTED", "after_sent", "0"), 0, true, codes.ResourceExhausted,
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "RESOURCE_EXHAUSTED"}}`},
		{"status after 3 received", failure("INTERNAL", "after_received", 3), 3, false, codes.Internal,
			`{"name": "google.golang.org/grpc/status.Error", "metadata": {"code": "INTERNAL"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t)
			coord.start(t, faultOn(chatMethod, tc.fault))
			stream, err := chat(context.Background(), s.conn)
			if err != nil {
				t.Fatal(err)
			}
			n, err := exchangeMsgs(stream, "a", "b", "c", "d", "e")
			if n != tc.through {
				t.Fatalf("%d round trips, then %v; want %d", n, err, tc.through)
			}
			if tc.sendFail {
				if err != io.EOF {
					t.Fatalf("SendMsg = %v, want io.EOF", err)
				}
				err = stream.RecvMsg(new(wrapperspb.StringValue))
			}
			if status.Code(err) != tc.code {
				t.Fatalf("err = %v, want %v", err, tc.code)
			}
			if err := stream.RecvMsg(new(wrapperspb.StringValue)); status.Code(err) != tc.code {
				t.Errorf("a later RecvMsg = %v, want %v again", err, tc.code)
			}
			if _, err := stream.Header(); status.Code(err) != tc.code {
				t.Errorf("Header = %v, want %v", err, tc.code)
			}
			// The server saw the messages let through (and, when the fault is on
			// receiving, the one whose echo failed), then its client went.
			select {
			case err := <-s.chatEnd:
				if err == nil {
					t.Error("Chat ended with its context alive")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Chat did not see its stream end")
			}
			want := tc.through
			if !tc.sendFail {
				want++
			}
			if got := s.chatMessages(); got != want {
				t.Errorf("the server received %d messages, want %d", got, want)
			}
			done := coord.waitBodies(t, "/filibuster/update", "invocation_complete", 1)
			wantJSON(t, "exception", done[0]["exception"], tc.reported)
			if n := len(coord.bodies("/filibuster/update", "request_received")); n != 1 {
				t.Errorf("%d request_received, want 1", n)
			}
		})
	}
}

// TestServerStreamAfterReceived checks a fault after a number of messages on a
// server stream (a generated stub's Watch): the stub opens it as usual, and a receive
// fails without waiting for the server.
func TestServerStreamAfterReceived(t *testing.T) {
	s := startServer(t)
	coord.start(t, faultOn(watchMethod, forced("UNAVAILABLE", "after_received", 1)))
	w, err := healthpb.NewHealthClient(s.conn).Watch(filibustergrpc.WithSite(context.Background(), siteCheck), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := w.Recv(); err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first Recv = %v, %v", resp, err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := w.Recv()
		got <- err
	}()
	select {
	case err := <-got:
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("second Recv = %v, want Unavailable", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second Recv waited for the server")
	}
}
