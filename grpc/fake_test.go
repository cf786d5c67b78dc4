package filibustergrpc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	filibustergrpc "github.com/filibuster-go/filibuster-gen/grpc"
	"github.com/filibuster-go/filibuster-gen/runtime"
	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// serviceName is the name the test process reports, as client and as server.
const serviceName = "frontend"

// coord is the fake coordinator every test of this binary talks to: the runtime reads
// FILIBUSTER_URL once per process, so TestMain starts it first.
var coord *fakeCoordinator

func TestMain(m *testing.M) {
	if scenario := os.Getenv(childEnv); scenario != "" {
		os.Exit(runChild(scenario))
	}
	coord = &fakeCoordinator{seen: make(map[string]bool)}
	srv := httptest.NewServer(coordinator.Streams(coord)) // as our coordinator is served
	os.Setenv("FILIBUSTER_URL", srv.URL)
	os.Setenv("FILIBUSTER_SERVICE_NAME", serviceName)
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

// exchange is one request the fake coordinator received.
type exchange struct {
	method, path string
	body         map[string]any
}

// fakeCoordinator speaks the coordinator protocol and records every request. fault,
// when set, gives the extra keys of each create answer from the create payload.
type fakeCoordinator struct {
	mu     sync.Mutex
	log    []exchange
	seen   map[string]bool // services that asked new-test-execution in this execution
	next   int             // next generated_id
	fault  func(payload map[string]any) map[string]any
	errors []string
}

// start begins a new test execution with fault deciding the faults (nil: none), and
// checks at the end of the test that the coordinator got no malformed request.
func (c *fakeCoordinator) start(t *testing.T, fault func(payload map[string]any) map[string]any) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = make(map[string]bool)
	c.next = 0
	c.log = nil
	c.fault = fault
	c.errors = nil
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, e := range c.errors {
			t.Errorf("coordinator: %s", e)
		}
		c.fault = nil
	})
}

// faultOn returns a fault function that answers the create of method with answer.
func faultOn(method string, answer map[string]any) func(map[string]any) map[string]any {
	return func(payload map[string]any) map[string]any {
		if payload["method"] == method {
			return answer
		}
		return nil
	}
}

func (c *fakeCoordinator) exchanges() []exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exchange(nil), c.log...)
}

// bodies returns the bodies of the requests to path whose instrumentation_type is
// typ ("" for any).
func (c *fakeCoordinator) bodies(path, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range c.exchanges() {
		if e.path == path && (typ == "" || e.body["instrumentation_type"] == typ) {
			out = append(out, e.body)
		}
	}
	return out
}

// waitBodies waits up to ten seconds for n such bodies (a stream's outcome may be
// reported from another goroutine) and returns them. The bound only matters when they
// never come: under -race on a loaded two-core machine a second is not always enough.
func (c *fakeCoordinator) waitBodies(t *testing.T, path, typ string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b := c.bodies(path, typ)
		if len(b) >= n || time.Now().After(deadline) {
			if len(b) != n {
				t.Fatalf("%s %s: got %d reports, want %d: %v", path, typ, len(b), n, b)
			}
			return b
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *fakeCoordinator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if data, _ := io.ReadAll(r.Body); len(data) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			c.mu.Lock()
			c.errors = append(c.errors, fmt.Sprintf("%s %s: malformed body %q", r.Method, r.URL.Path, data))
			c.mu.Unlock()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, exchange{r.Method, r.URL.Path, body})
	switch {
	case strings.HasPrefix(r.URL.Path, "/filibuster/new-test-execution/"):
		svc := strings.TrimPrefix(r.URL.Path, "/filibuster/new-test-execution/")
		fmt.Fprintf(w, `{"new-test-execution": %t}`, !c.seen[svc])
		c.seen[svc] = true
	case r.URL.Path == "/filibuster/create":
		answer := map[string]any{"generated_id": c.next, "execution_index": body["execution_index"]}
		if c.fault != nil {
			for k, v := range c.fault(body) {
				answer[k] = v
			}
		}
		c.next++
		json.NewEncoder(w).Encode(answer)
	case r.URL.Path == "/filibuster/update":
		io.WriteString(w, "{}")
	default:
		http.NotFound(w, r)
	}
}

// received is one call the test server saw, with the metadata it arrived with.
type received struct {
	method string
	md     metadata.MD
}

// testServer is a gRPC server on a bufconn listener, instrumented with ServerOptions:
// the health service, and test.Echo with a unary Relay (which calls Health/Check
// on the server itself, a nested call) and a bidi stream Chat (which echoes each
// message).
type testServer struct {
	conn   *grpc.ClientConn // instrumented with DialOptions
	health *health.Server

	mu       sync.Mutex
	calls    []received
	messages int           // messages Chat received
	chatEnd  chan error    // Chat's context error when its client went away
	arrival  chan struct{} // a message reached Chat
}

func (s *testServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.calls...)
}

// record is a user's interceptor, set before ours, that sees each call's metadata as
// it arrived.
func (s *testServer) record(ctx context.Context, method string) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.calls = append(s.calls, received{method: method, md: md.Copy()})
	s.mu.Unlock()
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	s, stop, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s
}

// newServer starts a test server and a client connection to it, and returns the
// function that stops both.
func newServer() (*testServer, func(), error) {
	s := &testServer{health: health.NewServer(), chatEnd: make(chan error, 1), arrival: make(chan struct{}, 100)}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(filibustergrpc.ServerOptions(
		grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			s.record(ctx, info.FullMethod)
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			s.record(ss.Context(), info.FullMethod)
			return h(srv, ss)
		}),
	)...)
	healthpb.RegisterHealthServer(srv, s.health)
	srv.RegisterService(&echoDesc, s)
	go srv.Serve(lis)

	conn, err := grpc.NewClient("passthrough:///bufnet", filibustergrpc.DialOptions(
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	)...)
	if err != nil {
		srv.Stop()
		return nil, nil, err
	}
	s.conn = conn
	return s, func() { conn.Close(); srv.Stop() }, nil
}

// relay is test.Echo/Relay: it checks the health of the service named by its
// request, through the same connection, with its own context; for the request
// "goroutine", it checks the server's health on a goroutine it starts, with a context
// that is not its own.
func (s *testServer) relay(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	if in.Value == "goroutine" {
		var resp *healthpb.HealthCheckResponse
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			resp, err = healthpb.NewHealthClient(s.conn).Check(filibustergrpc.WithSite(context.Background(), siteRelay), &healthpb.HealthCheckRequest{})
		}()
		<-done
		if err != nil {
			return nil, err
		}
		return wrapperspb.String(resp.Status.String()), nil
	}
	resp, err := healthpb.NewHealthClient(s.conn).Check(filibustergrpc.WithSite(ctx, siteRelay), &healthpb.HealthCheckRequest{Service: in.Value})
	if err != nil {
		return nil, err
	}
	return wrapperspb.String(resp.Status.String()), nil
}

// chat is test.Echo/Chat: it echoes every message until its client closes.
func (s *testServer) chat(stream grpc.ServerStream) error {
	for {
		var m wrapperspb.StringValue
		if err := stream.RecvMsg(&m); err != nil {
			if err == io.EOF {
				return nil
			}
			s.chatEnd <- stream.Context().Err()
			return err
		}
		s.mu.Lock()
		s.messages++
		s.mu.Unlock()
		s.arrival <- struct{}{}
		if err := stream.SendMsg(&m); err != nil {
			s.chatEnd <- stream.Context().Err()
			return err
		}
	}
}

func (s *testServer) chatMessages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messages
}

type echoServer interface {
	relay(context.Context, *wrapperspb.StringValue) (*wrapperspb.StringValue, error)
	chat(grpc.ServerStream) error
}

// echoDesc is test.Echo, registered by hand: no protoc is needed.
var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Relay",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			if interceptor == nil {
				return srv.(echoServer).relay(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: relayMethod}
			return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return srv.(echoServer).relay(ctx, req.(*wrapperspb.StringValue))
			})
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Chat",
		Handler:       func(srv any, stream grpc.ServerStream) error { return srv.(echoServer).chat(stream) },
		ServerStreams: true,
		ClientStreams: true,
	}},
}

const (
	checkMethod = "/grpc.health.v1.Health/Check"
	watchMethod = "/grpc.health.v1.Health/Watch"
	relayMethod = "/test.Echo/Relay"
	chatMethod  = "/test.Echo/Chat"
)

var (
	siteCheck = runtime.Site{ID: "site-check", File: "client/main.go", Line: 12, Func: "main.check"}
	siteRelay = runtime.Site{ID: "site-relay", File: "echo/relay.go", Line: 30, Func: "(*main.echo).relay"}
	siteChat  = runtime.Site{ID: "site-chat", File: "client/chat.go", Line: 40, Func: "main.chat"}
)

// chat opens test.Echo/Chat on conn.
func chat(ctx context.Context, conn *grpc.ClientConn) (grpc.ClientStream, error) {
	return conn.NewStream(filibustergrpc.WithSite(ctx, siteChat), &echoDesc.Streams[0], chatMethod)
}
