package filibustergrpc

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// module is the module the coordinator sees for every gRPC call.
const module = "grpc"

// DialOptions returns opts followed by the options that instrument a client
// connection: UnaryClientInterceptor and StreamClientInterceptor, chained after any
// interceptor opts sets, so that every attempt those make is reported. Generated code
// passes a grpc.NewClient, grpc.Dial or grpc.DialContext call's options through it:
//
//	conn, err := grpc.NewClient(target, filibustergrpc.DialOptions(opts...)...)
//
// Inert (no FILIBUSTER_URL), it returns opts as they are, so the connection is exactly
// the one the user asked for.
func DialOptions(opts ...grpc.DialOption) []grpc.DialOption {
	if !runtime.Instrumenting() {
		return opts
	}
	return append(opts[:len(opts):len(opts)],
		grpc.WithChainUnaryInterceptor(UnaryClientInterceptor),
		grpc.WithChainStreamInterceptor(StreamClientInterceptor))
}

// begin reports a call of method on cc with PUT /filibuster/create, or returns nil
// when it goes ahead uninstrumented.
func begin(ctx context.Context, method string, cc *grpc.ClientConn) *runtime.Invocation {
	call := runtime.Call{
		Site:   siteOf(ctx),
		Module: module,
		Method: method,
		Args:   []string{method},
	}
	if cc != nil {
		call.Target = cc.Target()
	}
	if deadline, ok := ctx.Deadline(); ok {
		if call.Timeout = time.Until(deadline); call.Timeout <= 0 {
			call.Timeout = time.Nanosecond
		}
	}
	return runtime.Begin(ctx, call)
}

// outgoing returns ctx with the call's Filibuster metadata, replacing any it already
// had (a handler that forwards its incoming metadata forwards its caller's), and the
// forced sleep when sleep is not empty.
func outgoing(ctx context.Context, inv *runtime.Invocation, sleep string) context.Context {
	h := inv.Headers()
	if h == nil && sleep == "" {
		return ctx
	}
	md, _ := metadata.FromOutgoingContext(ctx) // a copy
	if md == nil {
		md = metadata.MD{}
	}
	delete(md, strings.ToLower(runtime.SleepHeader))
	for i := 0; i < len(h); i += 2 {
		md.Set(h[i], h[i+1])
	}
	if sleep != "" {
		md.Set(runtime.SleepHeader, sleep)
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// sleepOf is the forced-sleep metadata a fault that does not abort sends, or "".
func sleepOf(f *runtime.Fault) string {
	if secs, ok := f.Sleep(); ok && secs > 0 {
		return strconv.FormatFloat(secs, 'f', -1, 64)
	}
	return ""
}

// UnaryClientInterceptor reports each unary call to the coordinator and carries the
// call's execution index and vector clocks to the callee as metadata. When the
// coordinator asks for a fault, the call is not sent (or, for an exception with
// abort false, is sent with the forced sleep and its result dropped) and the caller
// gets the error grpc-go gives for that failure: status.Code(err) is the code asked
// for. Inert, it calls invoker straight away.
func UnaryClientInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if !runtime.Instrumenting() {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	inv := begin(ctx, method, cc)
	if inv == nil {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if f, ok := inv.Fault(); ok {
		st := faultStatus(&f)
		if f.Forced && !f.Abort() {
			// Sent, to a reply of its own: the caller's is left as an error leaves it.
			invoker(outgoing(ctx, inv, sleepOf(&f)), method, req, newLike(reply), cc, opts...)
		}
		inv.Complete(nil, injected(&f, st))
		return st.Err()
	}
	err := invoker(outgoing(ctx, inv, ""), method, req, reply, cc, opts...)
	if err != nil {
		inv.Complete(nil, exception(err))
	} else {
		inv.Complete(returnValue(reply), nil)
	}
	return err
}

// newLike returns a new zero value of m's type, a pointer to a message.
func newLike(m any) any {
	t := reflect.TypeOf(m)
	if t == nil || t.Kind() != reflect.Pointer {
		return m
	}
	return reflect.New(t.Elem()).Interface()
}

// StreamClientInterceptor reports each stream to the coordinator as one call, when
// it is opened, and its outcome when it ends (docs/grpc.md, "Streams"). A fault makes
// the stream fail before its first message, or, when the fault's metadata has
// after_sent or after_received, once that many messages have gone that way.
func StreamClientInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if !runtime.Instrumenting() {
		return streamer(ctx, desc, cc, method, opts...)
	}
	inv := begin(ctx, method, cc)
	if inv == nil {
		return streamer(ctx, desc, cc, method, opts...)
	}
	f, faulty := inv.Fault()
	var st *status.Status
	after := -1
	var dir direction
	if faulty {
		st = faultStatus(&f)
		after, dir = afterMessages(f.Metadata)
	}
	switch {
	case faulty && after < 0 && f.Forced:
		// An exception is what a stream that cannot be opened gives: NewStream fails.
		if !f.Abort() {
			sendAndDrop(outgoing(ctx, inv, sleepOf(&f)), desc, cc, method, streamer, opts)
		}
		inv.Complete(nil, injected(&f, st))
		return nil, st.Err()
	case faulty && after < 0:
		// A status the callee returns: the stream opens, and fails on its first receive.
		inv.Complete(nil, injected(&f, st))
		return &failedStream{ctx: ctx, desc: desc, err: st.Err()}, nil
	}
	sctx, cancel := context.WithCancel(outgoing(ctx, inv, ""))
	cs, err := streamer(sctx, desc, cc, method, opts...)
	if err != nil {
		cancel()
		inv.Complete(nil, exception(err))
		return nil, err
	}
	s := &clientStream{ClientStream: cs, desc: desc, inv: inv, cancel: cancel, after: -1}
	if faulty {
		s.fault, s.after, s.dir = &f, after, dir
		s.st = st
	}
	// A stream its caller abandons by cancelling its context is reported then; once
	// the stream has been reported, finish's own cancel runs this to no effect.
	context.AfterFunc(sctx, func() { s.finish(status.FromContextError(sctx.Err()).Err()) })
	return s, nil
}

// sendAndDrop opens a stream with a forced sleep, closes its sending side and waits
// for the callee to answer or end it, then cancels it.
func sendAndDrop(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts []grpc.CallOption) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cs, err := streamer(ctx, desc, cc, method, opts...); err == nil {
		cs.CloseSend()
		cs.Header()
	}
}
