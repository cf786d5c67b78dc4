package report

import (
	"fmt"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// snippet returns a short Go example of the check a resilient caller makes against
// fault f, and of what the functional test expects when it is injected.
func snippet(f coordinator.FaultReport) string {
	callee := f.Service
	if callee == "" {
		callee = "the callee"
	}
	where := ""
	if f.Site != "" {
		where = " at " + f.Site
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// The call%s (%s %s) got %s.\n", where, f.Method, f.URL, f.Kind)
	b.WriteString("resp, err := client.Do(req)\n")
	switch {
	case strings.HasPrefix(f.Kind, "status "):
		code := strings.TrimPrefix(f.Kind, "status ")
		b.WriteString("if err != nil {\n\thttp.Error(w, \"" + callee + " unavailable\", http.StatusServiceUnavailable)\n\treturn\n}\n")
		b.WriteString("defer resp.Body.Close()\n")
		fmt.Fprintf(&b, "if resp.StatusCode != http.StatusOK { // %s answered %s: its body is not the result\n", callee, code)
		fmt.Fprintf(&b, "\thttp.Error(w, \"%s: \"+resp.Status, http.StatusServiceUnavailable)\n\treturn\n}\n", callee)
	default:
		fmt.Fprintf(&b, "if %s { // %s\n", errCheck(f.Kind), f.Kind)
		fmt.Fprintf(&b, "\thttp.Error(w, \"%s unavailable\", http.StatusServiceUnavailable)\n\treturn\n}\n", callee)
		b.WriteString("defer resp.Body.Close()\n")
	}
	b.WriteString("\n// The functional test accepts that answer only when the fault was injected:\n")
	if f.Service != "" {
		fmt.Fprintf(&b, "if filibuster.WasFaultInjectedOn(%q) {\n", f.Service)
	} else {
		b.WriteString("if filibuster.WasFaultInjected() {\n")
	}
	b.WriteString("\t// want http.StatusServiceUnavailable, not http.StatusOK\n}\n")
	return b.String()
}

// errCheck is the condition that recognises the error kind names.
func errCheck(kind string) string {
	switch kind {
	case "syscall.ECONNREFUSED":
		return "errors.Is(err, syscall.ECONNREFUSED)"
	case "syscall.ECONNRESET":
		return "errors.Is(err, syscall.ECONNRESET)"
	case "context.DeadlineExceeded":
		return "errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err)"
	}
	return "err != nil"
}
