// Package inert tests and measures filibustergrpc with no coordinator configured, in
// a test binary of its own: the runtime reads FILIBUSTER_URL once per process.
package inert

import (
	"context"
	"net"
	"os"
	"testing"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
)

func TestMain(m *testing.M) {
	for _, k := range []string{"FILIBUSTER_URL", "FILIBUSTER_COUNTEREXAMPLE_FILE", "COUNTEREXAMPLE_FILE"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

var site = runtime.Site{ID: "site", File: "main.go", Line: 3, Func: "main.main"}

// TestOptions checks that inert, the options are the user's, exactly.
func TestOptions(t *testing.T) {
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithUserAgent("x")}
	if got := filibustergrpc.DialOptions(dial...); len(got) != 2 || &got[0] != &dial[0] {
		t.Errorf("DialOptions returned %d options, not the caller's", len(got))
	}
	srv := []grpc.ServerOption{grpc.MaxRecvMsgSize(1 << 20)}
	if got := filibustergrpc.ServerOptions(srv...); len(got) != 1 || &got[0] != &srv[0] {
		t.Errorf("ServerOptions returned %d options, not the caller's", len(got))
	}
	if got := filibustergrpc.DialOptions(); len(got) != 0 {
		t.Errorf("DialOptions() = %d options", len(got))
	}
}

// TestNoAllocation checks that inert, WithSite and the interceptors, called directly,
// pass their arguments through and allocate nothing.
func TestNoAllocation(t *testing.T) {
	ctx := context.Background()
	if got := filibustergrpc.WithSite(ctx, site); got != ctx {
		t.Error("WithSite made a new context")
	}
	var calls int
	invoker := func(c context.Context, method string, req, reply any, cc *grpc.ClientConn, opts ...grpc.CallOption) error {
		if c != ctx || method != "/m" {
			t.Errorf("invoker got %v %q", c, method)
		}
		calls++
		return nil
	}
	handler := func(c context.Context, req any) (any, error) { calls++; return req, nil }
	info := &grpc.UnaryServerInfo{FullMethod: "/m"}
	req := &healthpb.HealthCheckRequest{}
	allocs := testing.AllocsPerRun(100, func() {
		filibustergrpc.UnaryClientInterceptor(filibustergrpc.WithSite(ctx, site), "/m", req, req, nil, invoker)
		filibustergrpc.UnaryServerInterceptor(ctx, req, info, handler)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per inert call, want 0", allocs)
	}
	if calls != 2*101 {
		t.Errorf("%d calls through, want %d", calls, 2*101)
	}
}

// pair is a health server and a client connection to it over bufconn.
type pair struct {
	client healthpb.HealthClient
	md     chan metadata.MD
}

func start(tb testing.TB, dial []grpc.DialOption, serve []grpc.ServerOption) *pair {
	tb.Helper()
	p := &pair{md: make(chan metadata.MD, 1)}
	lis := bufconn.Listen(1 << 20)
	serve = append(serve, grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		select {
		case p.md <- md:
		default:
		}
		return h(ctx, req)
	}))
	srv := grpc.NewServer(serve...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(lis)
	tb.Cleanup(srv.Stop)
	dial = append(dial,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient("passthrough:///bufnet", dial...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	p.client = healthpb.NewHealthClient(conn)
	return p
}

// TestInertCall checks that a call through the interceptors, installed directly,
// carries no Filibuster metadata.
func TestInertCall(t *testing.T) {
	p := start(t,
		[]grpc.DialOption{grpc.WithUnaryInterceptor(filibustergrpc.UnaryClientInterceptor), grpc.WithStreamInterceptor(filibustergrpc.StreamClientInterceptor)},
		[]grpc.ServerOption{grpc.UnaryInterceptor(filibustergrpc.UnaryServerInterceptor), grpc.StreamInterceptor(filibustergrpc.StreamServerInterceptor)})
	if _, err := p.client.Check(filibustergrpc.WithSite(context.Background(), site), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	md := <-p.md
	for k := range md {
		if len(k) >= 13 && k[:13] == "x-filibuster-" {
			t.Errorf("inert call sent %s", k)
		}
	}
}

// BenchmarkInertUnary measures an inert unary call (health Check over bufconn)
// without instrumentation, through the interceptors installed directly, and as
// generated code makes it (options through DialOptions and ServerOptions, the
// context through WithSite).
func BenchmarkInertUnary(b *testing.B) {
	for _, bc := range []struct {
		name  string
		dial  []grpc.DialOption
		serve []grpc.ServerOption
		site  bool
	}{
		{"plain", nil, nil, false},
		{"interceptors", []grpc.DialOption{grpc.WithUnaryInterceptor(filibustergrpc.UnaryClientInterceptor)},
			[]grpc.ServerOption{grpc.UnaryInterceptor(filibustergrpc.UnaryServerInterceptor)}, true},
		{"generated", filibustergrpc.DialOptions(), filibustergrpc.ServerOptions(), true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := start(b, bc.dial, bc.serve)
			req := &healthpb.HealthCheckRequest{}
			b.ReportAllocs()
			for b.Loop() {
				ctx := context.Background()
				if bc.site {
					ctx = filibustergrpc.WithSite(ctx, site)
				}
				if _, err := p.client.Check(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInertInterceptors measures the interceptors alone, called directly with
// an invoker and a handler that do nothing, against calling those directly.
func BenchmarkInertInterceptors(b *testing.B) {
	ctx := context.Background()
	req := &healthpb.HealthCheckRequest{}
	invoker := func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil }
	handler := func(_ context.Context, req any) (any, error) { return req, nil }
	info := &grpc.UnaryServerInfo{FullMethod: "/m"}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			invoker(ctx, "/m", req, req, nil)
			handler(ctx, req)
		}
	})
	b.Run("intercepted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			filibustergrpc.UnaryClientInterceptor(filibustergrpc.WithSite(ctx, site), "/m", req, req, nil, invoker)
			filibustergrpc.UnaryServerInterceptor(ctx, req, info, handler)
		}
	})
}
