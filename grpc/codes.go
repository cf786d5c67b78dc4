package filibustergrpc

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ExceptionName is the exception name this package reports for a call that failed
// with a gRPC status (the code is in the exception's metadata), and the name a Go
// analysis file gives gRPC faults. The reference's names,
// "grpc._channel._InactiveRpcError" (Python) and "io.grpc.StatusRuntimeException"
// (Java), are accepted in faults as well: only metadata.code counts.
const ExceptionName = "google.golang.org/grpc/status.Error"

// codeNames are the codes as the coordinator protocol spells them: the names of
// Python's grpc.StatusCode, without its "StatusCode." prefix.
var codeNames = [...]string{
	codes.OK:                 "OK",
	codes.Canceled:           "CANCELLED",
	codes.Unknown:            "UNKNOWN",
	codes.InvalidArgument:    "INVALID_ARGUMENT",
	codes.DeadlineExceeded:   "DEADLINE_EXCEEDED",
	codes.NotFound:           "NOT_FOUND",
	codes.AlreadyExists:      "ALREADY_EXISTS",
	codes.PermissionDenied:   "PERMISSION_DENIED",
	codes.ResourceExhausted:  "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION",
	codes.Aborted:            "ABORTED",
	codes.OutOfRange:         "OUT_OF_RANGE",
	codes.Unimplemented:      "UNIMPLEMENTED",
	codes.Internal:           "INTERNAL",
	codes.Unavailable:        "UNAVAILABLE",
	codes.DataLoss:           "DATA_LOSS",
	codes.Unauthenticated:    "UNAUTHENTICATED",
}

// CodeName is c as the coordinator protocol spells it: "UNAVAILABLE", "NOT_FOUND".
func CodeName(c codes.Code) string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return strconv.FormatUint(uint64(c), 10)
}

// parseCode reads a code as a fault's metadata gives it: a protocol name
// ("UNAVAILABLE", also "StatusCode.UNAVAILABLE"), grpc-go's name ("Unavailable"), or a
// number.
func parseCode(v any) (codes.Code, bool) {
	switch v := v.(type) {
	case float64:
		if v >= 0 && v < float64(len(codeNames)) && v == float64(int(v)) {
			return codes.Code(v), true
		}
	case string:
		s := strings.TrimPrefix(v, "StatusCode.")
		if n, err := strconv.Atoi(s); err == nil {
			return parseCode(float64(n))
		}
		for c, name := range codeNames {
			if strings.EqualFold(s, name) || s == codes.Code(c).String() {
				return codes.Code(c), true
			}
		}
	}
	return 0, false
}

// faultStatus is the status a call fails with for fault f: metadata.code; for a
// status-code fault in the HTTP form, the code grpc-go gives a response with that
// HTTP status and no gRPC status; for an exception without a code, the code of the
// Go fault names of the net/http runtime (a refused connection is UNAVAILABLE).
func faultStatus(f *runtime.Fault) *status.Status {
	c, ok := parseCode(f.Metadata["code"])
	switch {
	case ok:
	case f.StatusCode != "":
		c = httpStatusCode(f.StatusCode)
	case f.Name == "context.DeadlineExceeded" || f.Name == "requests.exceptions.Timeout":
		c = codes.DeadlineExceeded
	case f.Name == "syscall.ECONNREFUSED" || f.Name == "requests.exceptions.ConnectionError" || f.Name == "syscall.ECONNRESET":
		c = codes.Unavailable
	default:
		return status.Newf(codes.Unknown, "filibuster: injected fault %q (no gRPC code given)", f.Name)
	}
	if c == codes.DeadlineExceeded {
		// What grpc-go returns when the call's context deadline passes.
		return status.New(c, "context deadline exceeded")
	}
	return status.Newf(c, "filibuster: injected %s", CodeName(c))
}

// httpStatusCode is the code grpc-go gives a response with HTTP status s and no
// grpc-status (its HTTP-to-gRPC mapping).
func httpStatusCode(s string) codes.Code {
	switch s {
	case "400":
		return codes.Internal
	case "401":
		return codes.Unauthenticated
	case "403":
		return codes.PermissionDenied
	case "404":
		return codes.Unimplemented
	case "429", "502", "503", "504":
		return codes.Unavailable
	}
	return codes.Unknown
}

// exception is the reported exception of a call that failed with err.
func exception(err error) map[string]any {
	return map[string]any{"name": ExceptionName, "metadata": map[string]any{"code": CodeName(status.Code(err))}}
}

// injected is the reported exception of a call that fault f made fail with st: a
// forced exception is reported as the coordinator named it, as net/http calls are;
// a status-code fault as the failure a callee returning that code gives.
func injected(f *runtime.Fault, st *status.Status) map[string]any {
	if f.Forced {
		return map[string]any{"name": f.Name, "metadata": f.Metadata}
	}
	return exception(st.Err())
}

// returnValue is the reported outcome of a call that succeeded with reply m: the name
// of its Go type, as the reference reports its Python class ("HealthCheckResponse").
func returnValue(m any) map[string]any {
	name := "nil"
	if t := reflect.TypeOf(m); t != nil {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		name = t.Name()
	}
	return map[string]any{"__class__": name}
}
