package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	goruntime "runtime"
	"strings"
	"sync/atomic"
)

// DoHook is the client hook of an instrumented build's net/http: (*http.Client).Do
// calls it with the client, the request and the function that sends the request
// without the hook.
type DoHook = func(c *http.Client, req *http.Request, do func(*http.Request) (*http.Response, error)) (*http.Response, error)

// ServeHook is the server hook of an instrumented build's net/http: every request an
// *http.Server serves, whatever serves it (a ServeMux, chi, gin, echo), is handed to it
// with the handler that would have served it.
type ServeHook = func(h http.Handler, w http.ResponseWriter, r *http.Request)

// hooked is set once the hooks are installed: every outgoing call then goes through
// the client hook, generated call sites included.
var hooked atomic.Bool

// user is the code the hooks attribute calls made inside libraries to: the main
// module's path and the directory, relative to its root, of the main package (whose
// functions the runtime names "main.").
var user atomic.Pointer[userCode]

type userCode struct{ module, mainDir string }

// InstallHooks is called from the file the generator adds to each instrumented main
// package, in builds whose overlay also instruments net/http: install is net/http's
// FilibusterHook, which sets the hooks. module is the main module's path and mainDir
// the main package's directory relative to the module root. When the runtime is inert
// the hooks are not installed and net/http is exactly as it was.
func InstallHooks(install func(DoHook, ServeHook), module, mainDir string) {
	user.Store(&userCode{module: module, mainDir: mainDir})
	if !current().active {
		return
	}
	install(hookDo, hookServe)
	hooked.Store(true)
}

// callerKey is the context key under which ClientDo passes its site and scope to the
// client hook.
type callerKey struct{}

type caller struct {
	site  Site
	scope any
}

// hookDo reports a call made through (*http.Client).Do. A call from a generated call
// site carries its site; any other was made inside a library (resty, retryablehttp, a
// generated API client, a RoundTripper chain...) and is attributed to the line of the
// user's module that led to it (see librarySite).
func hookDo(c *http.Client, req *http.Request, do func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	cfg := current()
	if !cfg.instrumenting() || req == nil || req.URL == nil || cfg.isCoordinator(req.URL) {
		return do(req)
	}
	if cl, ok := req.Context().Value(callerKey{}).(*caller); ok {
		return send(cfg, cl.site, cl.scope, c, req, do)
	}
	return send(cfg, librarySite(), nil, c, req, do)
}

// hookServe serves r with h as the runtime's handler middleware does.
func hookServe(h http.Handler, w http.ResponseWriter, r *http.Request) {
	serve(current(), "", h, w, r)
}

// librarySite returns the site of a call made inside a library: the innermost frame of
// the calling goroutine's stack that is in the user's module. Its id is derived from
// that frame's module-relative file, line and function, so it is the same in every
// execution and every build of the same source. A call with no user frame on its
// goroutine (a library's own goroutine) gets the site of the library function that
// made it, so it is still reported, under a site that says where it came from.
func librarySite() Site {
	u := user.Load()
	var pcs [64]uintptr
	n := goruntime.Callers(3, pcs[:])
	frames := goruntime.CallersFrames(pcs[:n])
	var first *goruntime.Frame
	for {
		f, more := frames.Next()
		pkg := funcPackage(f.Function)
		switch {
		case pkg == "net/http" || strings.HasPrefix(pkg, "net/http/") || pkg == runtimePkg:
			// The hook itself and net/http's client.
		case u != nil && (pkg == "main" || pkg == u.module || strings.HasPrefix(pkg, u.module+"/")):
			return siteOf(f, relFile(u, pkg, f.File))
		case first == nil:
			f := f
			first = &f
		}
		if !more {
			break
		}
	}
	if first == nil {
		return Site{ID: "library:unknown", File: "unknown", Func: "unknown"}
	}
	return siteOf(*first, funcPackage(first.Function)+"/"+path.Base(first.File))
}

// runtimePkg is this package's import path, as it appears in function names.
const runtimePkg = "github.com/filibuster-go/filibuster-gen/runtime"

// siteOf is the site of frame f, in file (module-relative, slash-separated).
func siteOf(f goruntime.Frame, file string) Site {
	h := sha256.New()
	fmt.Fprintf(h, "library\x00%s\x00%d\x00%s", file, f.Line, f.Function)
	return Site{ID: hex.EncodeToString(h.Sum(nil)[:16]), File: file, Line: f.Line, Func: f.Function}
}

// relFile returns the module-relative path of file, a source file of package pkg.
func relFile(u *userCode, pkg, file string) string {
	dir := u.mainDir
	if pkg != "main" {
		dir = strings.TrimPrefix(strings.TrimPrefix(pkg, u.module), "/")
	}
	return path.Join(dir, path.Base(strings.ReplaceAll(file, "\\", "/")))
}

// funcPackage returns the import path of the package of a function name as the runtime
// gives it: "example.com/shop/order.(*T).m" gives "example.com/shop/order", "main.f"
// gives "main".
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	if i := strings.IndexByte(fn[slash+1:], '.'); i >= 0 {
		return fn[:slash+1+i]
	}
	return fn
}

// withCaller returns ctx carrying site and scope for the client hook.
func withCaller(ctx context.Context, site Site, scope any) context.Context {
	return context.WithValue(ctx, callerKey{}, &caller{site: site, scope: scope})
}
