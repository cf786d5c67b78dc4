package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/types/typeutil"
)

// Kinds of site.
const (
	KindClient  = "client"  // an outgoing call
	KindHandler = "handler" // a handler registration or a served handler
	KindServer  = "server"  // an (*http.Server) method that serves srv.Handler
	KindLibrary = "library" // a call into a client library that makes HTTP calls inside
)

// ignoreDirective opts a statement or declaration out of instrumentation.
const ignoreDirective = "//filibuster:ignore"

// Reasons a site cannot be instrumented (the summary groups sites by them).
const (
	reasonIgnored        = "ignored by " + ignoreDirective
	reasonInterface      = "call through an interface: the dynamic callee is not known"
	reasonMethodValue    = "method value: calls through it are not seen"
	reasonFuncValue      = "function value: calls through it are not seen"
	reasonShadowedPrefix = "the name " // ... is declared in scope
	reasonNotNetHTTP     = "server not built on net/http: its requests are not reported, and calls to it get no error statuses"
)

// libraryCalls lists, by (*types.Func).FullName, entry points of client libraries that
// make their HTTP calls inside: the generator does not rewrite them, net/http's client
// hook reports the calls they make, attributed to the user's line. Listing them makes
// --list and the summary show these paths; a library not listed is reached all the same,
// and shows in run's list of sites seen.
var libraryCalls = map[string]bool{}

func init() {
	for _, m := range []string{"Get", "Head", "Post", "Put", "Patch", "Delete", "Options", "Send", "Execute"} {
		libraryCalls["(*github.com/go-resty/resty/v2.Request)."+m] = true
	}
	for _, m := range []string{"Do", "Get", "Head", "Post", "PostForm"} {
		libraryCalls["(*github.com/hashicorp/go-retryablehttp.Client)."+m] = true
		libraryCalls["github.com/hashicorp/go-retryablehttp."+m] = true
	}
	// A reverse proxy forwards the request it serves; a proxy mounted as a handler is
	// called by no line of the user's, and its calls are attributed to httputil's.
	libraryCalls["(*net/http/httputil.ReverseProxy).ServeHTTP"] = true
	// x/oauth2's token requests (a client from Config.Client fetches its tokens inside
	// the calls made with it, at their lines).
	for _, name := range []string{
		"(*golang.org/x/oauth2.Config).Exchange",
		"(*golang.org/x/oauth2.Config).PasswordCredentialsToken",
		"(*golang.org/x/oauth2.Config).DeviceAuth",
		"(*golang.org/x/oauth2.Config).DeviceAccessToken",
		"(*golang.org/x/oauth2/clientcredentials.Config).Token",
	} {
		libraryCalls[name] = true
	}
}

// isLibraryCall reports whether fn makes HTTP calls inside a client library: one of
// libraryCalls, or a method of one of go-github's services (every method of a
// *XxxService of github.com/google/go-github/vN/github whose first parameter is a
// context calls the API).
func isLibraryCall(fn *types.Func) bool {
	if libraryCalls[fn.FullName()] {
		return true
	}
	pkg := fn.Pkg()
	if pkg == nil || !strings.HasPrefix(pkg.Path(), "github.com/google/go-github/") || !strings.HasSuffix(pkg.Path(), "/github") {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil || sig.Params().Len() == 0 || !fn.Exported() {
		return false
	}
	recv := sig.Recv().Type()
	if p, ok := recv.(*types.Pointer); ok {
		recv = p.Elem()
	}
	named, ok := recv.(*types.Named)
	if !ok || !strings.HasSuffix(named.Obj().Name(), "Service") {
		return false
	}
	first, ok := sig.Params().At(0).Type().(*types.Named)
	return ok && first.Obj().Pkg() != nil && first.Obj().Pkg().Path() == "context" && first.Obj().Name() == "Context"
}

// reasonLibraryNoHooks is why a library call is not instrumented when net/http is not.
const reasonLibraryNoHooks = "call into a client library: reached only when net/http is instrumented"

// otherServers lists, by (*types.Func).FullName, the servers of frameworks not built on
// net/http, which neither the generator nor net/http's hooks can instrument: each call
// is listed as a server that is not instrumented.
var otherServers = map[string]bool{
	"github.com/valyala/fasthttp.ListenAndServe":           true,
	"github.com/valyala/fasthttp.ListenAndServeTLS":        true,
	"github.com/valyala/fasthttp.Serve":                    true,
	"(*github.com/valyala/fasthttp.Server).ListenAndServe": true,
	"(*github.com/valyala/fasthttp.Server).Serve":          true,
	"(*github.com/gofiber/fiber/v2.App).Listen":            true,
	"(*github.com/gofiber/fiber/v2.App).Listener":          true,
	"(*github.com/gofiber/fiber/v3.App).Listen":            true,
	"(*github.com/gofiber/fiber/v3.App).Listener":          true,
}

// form says how one net/http function or method is rewritten.
type form struct {
	kind    string
	wrapper string // runtime function called instead, or that wraps an argument
	arg     int    // for handler forms: index of the handler argument
	method  bool   // a method whose receiver is passed to the wrapper
}

// forms maps (*types.Func).FullName of every net/http entry point we instrument.
var forms = map[string]form{
	"net/http.Get":      {kind: KindClient, wrapper: "Get"},
	"net/http.Head":     {kind: KindClient, wrapper: "Head"},
	"net/http.Post":     {kind: KindClient, wrapper: "Post"},
	"net/http.PostForm": {kind: KindClient, wrapper: "PostForm"},

	"(*net/http.Client).Do":       {kind: KindClient, wrapper: "ClientDo", method: true},
	"(*net/http.Client).Get":      {kind: KindClient, wrapper: "ClientGet", method: true},
	"(*net/http.Client).Head":     {kind: KindClient, wrapper: "ClientHead", method: true},
	"(*net/http.Client).Post":     {kind: KindClient, wrapper: "ClientPost", method: true},
	"(*net/http.Client).PostForm": {kind: KindClient, wrapper: "ClientPostForm", method: true},

	"net/http.Handle":                   {kind: KindHandler, wrapper: "Handler", arg: 1},
	"net/http.HandleFunc":               {kind: KindHandler, wrapper: "HandlerFunc", arg: 1},
	"(*net/http.ServeMux).Handle":       {kind: KindHandler, wrapper: "Handler", arg: 1},
	"(*net/http.ServeMux).HandleFunc":   {kind: KindHandler, wrapper: "HandlerFunc", arg: 1},
	"net/http.ListenAndServe":           {kind: KindHandler, wrapper: "Handler", arg: 1},
	"net/http.ListenAndServeTLS":        {kind: KindHandler, wrapper: "Handler", arg: 3},
	"net/http.Serve":                    {kind: KindHandler, wrapper: "Handler", arg: 1},
	"net/http.ServeTLS":                 {kind: KindHandler, wrapper: "Handler", arg: 1},
	"(*net/http.Server).ListenAndServe": {kind: KindServer, wrapper: "Server", method: true},
	"(*net/http.Server).ListenAndServeTLS": {
		kind: KindServer, wrapper: "Server", method: true,
	},
	"(*net/http.Server).Serve":    {kind: KindServer, wrapper: "Server", method: true},
	"(*net/http.Server).ServeTLS": {kind: KindServer, wrapper: "Server", method: true},
}

// SiteInfo describes one call site or handler registration found by the generator.
type SiteInfo struct {
	ID           string `json:"id"`
	Package      string `json:"package"`
	File         string `json:"file"` // module-relative, slash-separated
	Line         int    `json:"line"`
	Column       int    `json:"column"`
	Func         string `json:"func"`
	Callee       string `json:"callee"`
	Kind         string `json:"kind"`
	Instrumented bool   `json:"instrumented"`
	Reason       string `json:"reason,omitempty"` // why it was not instrumented
	// Via says how an instrumented site is reached when it is not rewritten:
	// ViaServerHook for a handler or server left as written because net/http's server
	// hook reports every request served.
	Via string `json:"via,omitempty"`
}

// ViaServerHook is SiteInfo.Via of the handlers and servers that net/http's server
// hook instruments: they are left exactly as the user wrote them.
const ViaServerHook = "net/http server hook"

// ViaClientHook is SiteInfo.Via of the calls the generator cannot rewrite (through an
// interface, a method or function value) that net/http's client hook reports when they
// end in an *http.Client, attributed to their line.
const ViaClientHook = "net/http client hook"

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// fileScan is what the generator found in one file.
type fileScan struct {
	sites []SiteInfo
	edits []edit
}

// scanner finds and rewrites the sites of one file.
type scanner struct {
	pkg     *packages.Package
	file    *ast.File
	tf      *token.File
	src     []byte
	modPath string
	relFile string
	alias   string
	// hooks says net/http's hooks instrument every server and every *http.Client call,
	// so handlers and servers are left as written, and calls the generator cannot
	// rewrite are reached all the same.
	hooks bool
	// grpcOff, when set, is why the module's gRPC calls cannot be instrumented
	// (grpcProblem): they are listed with it and left as they are.
	grpcOff string

	ignored  map[int]bool   // lines holding the ignore directive
	dropped  []ast.Node     // source the edits remove (the callee of package-level calls)
	ordinals map[string]int // "func\x00callee" -> count so far
	out      fileScan
}

// scanFile finds every net/http site of file and the edits that instrument it.
func scanFile(pkg *packages.Package, file *ast.File, src []byte, modPath, relFile, alias string, hooks bool, grpcOff string) fileScan {
	s := &scanner{
		grpcOff:  grpcOff,
		pkg:      pkg,
		file:     file,
		tf:       pkg.Fset.File(file.Pos()),
		src:      src,
		modPath:  modPath,
		relFile:  relFile,
		alias:    alias,
		hooks:    hooks,
		ignored:  make(map[int]bool),
		ordinals: make(map[string]int),
	}
	for _, cg := range file.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, ignoreDirective) {
				s.ignored[s.line(c.Pos())] = true
			}
		}
	}
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Body != nil {
				s.walk(d, funcName(pkg.Name, d), []ast.Node{d})
			}
		case *ast.GenDecl:
			s.walk(d, pkg.Name+".init", []ast.Node{d})
		}
	}
	s.blankUnusedImports()
	return s.out
}

// blankUnusedImports turns into blank imports the imports whose every use the edits
// remove (import "net/http" when its only use was http.Get), on the same line.
func (s *scanner) blankUnusedImports() {
	info := s.pkg.TypesInfo
	for _, spec := range s.file.Imports {
		var obj types.Object
		if spec.Name != nil {
			obj = info.Defs[spec.Name]
			if obj == nil {
				obj = info.Implicits[spec] // dot import
			}
		} else {
			obj = info.Implicits[spec]
		}
		pn, ok := obj.(*types.PkgName)
		if !ok {
			continue
		}
		dot := spec.Name != nil && spec.Name.Name == "."
		uses, dropped := 0, 0
		ast.Inspect(s.file, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			used := info.Uses[id]
			if used == nil {
				return true
			}
			if used == pn || dot && used.Pkg() == pn.Imported() && used.Parent() == pn.Imported().Scope() {
				uses++
				for _, d := range s.dropped {
					if d.Pos() <= id.Pos() && id.End() <= d.End() {
						dropped++
						break
					}
				}
			}
			return true
		})
		if uses == 0 || uses != dropped {
			continue
		}
		if spec.Name != nil {
			s.out.edits = append(s.out.edits, edit{start: s.offset(spec.Name.Pos()), end: s.offset(spec.Name.End()), text: "_"})
		} else {
			p := s.offset(spec.Path.Pos())
			s.out.edits = append(s.out.edits, edit{start: p, end: p, text: "_ "})
		}
	}
}

// funcName names a declared function as the runtime reports it: "main.handler",
// "(*main.api).fetch".
func funcName(pkgName string, d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return pkgName + "." + d.Name.Name
	}
	t := d.Recv.List[0].Type
	star := ""
	if se, ok := t.(*ast.StarExpr); ok {
		star, t = "*", se.X
	}
	// Drop type parameters: T[K] -> T.
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	name := "?"
	if id, ok := t.(*ast.Ident); ok {
		name = id.Name
	}
	return fmt.Sprintf("(%s%s.%s).%s", star, pkgName, name, d.Name.Name)
}

// walk visits root's subtree; fn names the innermost enclosing function and stack holds
// the ancestors of the node being visited.
func (s *scanner) walk(root ast.Node, fn string, stack []ast.Node) {
	literals := 0
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			if n != root {
				literals++
				s.walk(n, fmt.Sprintf("%s.func%d", fn, literals), stack)
				return false
			}
		case *ast.GoStmt:
			s.goStmt(n, stack)
		case *ast.CallExpr:
			s.call(n, fn, stack)
		case *ast.SelectorExpr:
			s.methodValue(n, fn, stack)
		case *ast.Ident:
			s.funcValue(n, fn, stack)
		}
		stack = append(stack, n)
		return true
	})
}

func (s *scanner) line(p token.Pos) int { return s.tf.Line(p) }

func (s *scanner) offset(p token.Pos) int { return s.tf.Offset(p) }

func (s *scanner) text(n ast.Node) string {
	return string(s.src[s.offset(n.Pos()):s.offset(n.End())])
}

// isIgnored reports whether an ignore directive covers a node on stack: the directive is
// on the line of a statement or declaration, on the line above it, or in its doc comment.
func (s *scanner) isIgnored(stack []ast.Node) bool {
	for _, n := range stack {
		switch n := n.(type) {
		case ast.Stmt, ast.Decl, ast.Spec:
			l := s.line(n.Pos())
			if s.ignored[l] || s.ignored[l-1] {
				return true
			}
			var doc *ast.CommentGroup
			switch d := n.(type) {
			case *ast.FuncDecl:
				doc = d.Doc
			case *ast.GenDecl:
				doc = d.Doc
			}
			if doc != nil {
				for _, c := range doc.List {
					if strings.HasPrefix(c.Text, ignoreDirective) {
						return true
					}
				}
			}
		}
	}
	return false
}

// newSite records a site at pos and returns it with its static id.
func (s *scanner) newSite(pos token.Pos, fn, callee, kind string) SiteInfo {
	key := fn + "\x00" + callee
	s.ordinals[key]++
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d", s.modPath, s.relFile, fn, callee, s.ordinals[key])
	p := s.pkg.Fset.Position(pos)
	return SiteInfo{
		ID:      hex.EncodeToString(h.Sum(nil)[:16]),
		Package: s.pkg.PkgPath,
		File:    s.relFile,
		Line:    p.Line,
		Column:  p.Column,
		Func:    fn,
		Callee:  callee,
		Kind:    kind,
	}
}

// skip records a site that is not instrumented.
func (s *scanner) skip(site SiteInfo, reason string) {
	site.Reason = reason
	s.out.sites = append(s.out.sites, site)
}

// unrewritable records a site the generator cannot rewrite: reached through net/http's
// hooks when they are installed, else skipped for reason.
func (s *scanner) unrewritable(site SiteInfo, reason string) {
	if !s.hooks {
		s.skip(site, reason)
		return
	}
	site.Instrumented, site.Via = true, ViaClientHook
	if site.Kind != KindClient {
		site.Via = ViaServerHook
	}
	s.out.sites = append(s.out.sites, site)
}

// goStmt makes the goroutine that runs a go statement tell the runtime, right before,
// which request it belongs to (Fork), so that the goroutine it starts, and the ones that
// starts, belong to that request too even after it has exited.
func (s *scanner) goStmt(g *ast.GoStmt, stack []ast.Node) {
	if s.isIgnored(append(stack, g)) || s.aliasShadowed(g.Pos()) {
		return
	}
	at := s.offset(g.Pos())
	s.out.edits = append(s.out.edits, edit{start: at, end: at, text: s.alias + ".Fork(); "})
}

// call handles one call expression.
func (s *scanner) call(call *ast.CallExpr, fn string, stack []ast.Node) {
	if m := s.grpcRPC(call); m != nil {
		s.grpcRPCCall(call, m, fn, stack)
		return
	}
	info := s.pkg.TypesInfo
	callee := typeutil.StaticCallee(info, call)
	if callee == nil {
		s.interfaceCall(call, fn, stack)
		return
	}
	name := callee.FullName()
	if otherServers[name] {
		s.skip(s.newSite(call.Pos(), fn, name, KindServer), reasonNotNetHTTP)
		return
	}
	if isLibraryCall(callee) {
		// At the call's parenthesis: the line a stack trace gives for a call at the
		// end of a chain that spans lines, which is how the hook names the call.
		site := s.newSite(call.Lparen, fn, name, KindLibrary)
		site.ID = runtime.LibrarySiteID(site.File, site.Line) // the id the hook reports
		if !s.hooks {
			s.skip(site, reasonLibraryNoHooks)
			return
		}
		site.Instrumented, site.Via = true, ViaClientHook
		s.out.sites = append(s.out.sites, site)
		return
	}
	if g, ok := grpcForms[name]; ok {
		s.grpcCall(call, g, fn, name, stack)
		return
	}
	f, ok := forms[name]
	if !ok {
		return
	}
	site := s.newSite(call.Pos(), fn, name, f.kind)
	if s.isIgnored(append(stack, call)) {
		s.skip(site, reasonIgnored)
		return
	}
	if s.aliasShadowed(call.Pos()) {
		s.skip(site, reasonShadowedPrefix+s.alias+" is declared in scope, so the runtime cannot be named here")
		return
	}
	if s.hooks && (f.kind == KindHandler || f.kind == KindServer) {
		site.Instrumented, site.Via = true, ViaServerHook
		s.out.sites = append(s.out.sites, site)
		return
	}
	lit := s.siteLiteral(site)
	switch f.kind {
	case KindClient:
		scope := s.scope(call, stack)
		prefix := fmt.Sprintf("%s.%s(%s, %s, ", s.alias, f.wrapper, lit, scope)
		if f.method {
			recv, reason := s.receiver(call)
			if reason != "" {
				s.skip(site, reason)
				return
			}
			prefix += recv + ", "
		}
		if len(call.Args) == 0 {
			prefix = strings.TrimSuffix(prefix, ", ")
		}
		if !f.method {
			s.dropped = append(s.dropped, call.Fun)
		}
		s.replace(s.offset(call.Fun.Pos()), s.offset(call.Lparen)+1, prefix)
	case KindHandler:
		if f.arg >= len(call.Args) || call.Ellipsis.IsValid() {
			s.skip(site, "unexpected arguments")
			return
		}
		arg := call.Args[f.arg]
		if isNil(info, arg) && f.wrapper == "HandlerFunc" {
			s.skip(site, "nil handler func")
			return
		}
		s.out.edits = append(s.out.edits,
			edit{start: s.offset(arg.Pos()), end: s.offset(arg.Pos()), text: fmt.Sprintf("%s.%s(%s, ", s.alias, f.wrapper, lit)},
			edit{start: s.offset(arg.End()), end: s.offset(arg.End()), text: ")"})
	case KindServer:
		recv, reason := s.receiver(call)
		if reason != "" {
			s.skip(site, reason)
			return
		}
		sel := call.Fun.(*ast.SelectorExpr)
		s.replace(s.offset(sel.X.Pos()), s.offset(sel.X.End()), fmt.Sprintf("%s.%s(%s, %s)", s.alias, f.wrapper, lit, recv))
	}
	site.Instrumented = true
	s.out.sites = append(s.out.sites, site)
}

// aliasShadowed reports whether a declaration in scope at pos hides the runtime alias.
func (s *scanner) aliasShadowed(pos token.Pos) bool {
	inner := s.pkg.Types.Scope().Innermost(pos)
	if inner == nil {
		return false
	}
	_, obj := inner.LookupParent(s.alias, pos)
	return obj != nil
}

// replace records an edit that replaces src[start:end]. Newlines in the replaced text
// are kept at the end of the replacement, after a comma or parenthesis, so every later
// line keeps its number.
func (s *scanner) replace(start, end int, text string) {
	if n := strings.Count(string(s.src[start:end]), "\n"); n > 0 {
		text += strings.Repeat("\n", n)
	}
	s.out.edits = append(s.out.edits, edit{start: start, end: end, text: text})
}

// siteLiteral is the runtime.Site composite literal for site.
func (s *scanner) siteLiteral(site SiteInfo) string {
	return fmt.Sprintf("%s.Site{ID: %q, File: %q, Line: %d, Func: %q}", s.alias, site.ID, site.File, site.Line, site.Func)
}

// receiver returns the expression that yields the *http.Client or *http.Server a method
// call is made on, following promotion through embedded fields, or a reason why it
// cannot be written.
func (s *scanner) receiver(call *ast.CallExpr) (expr, reason string) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", "method called through an expression the generator cannot rewrite"
	}
	selection := s.pkg.TypesInfo.Selections[sel]
	if selection == nil {
		return "", "method expression"
	}
	expr = s.text(sel.X)
	if !simpleExpr(sel.X) {
		expr = "(" + expr + ")"
	}
	t := selection.Recv()
	path := selection.Index()
	for _, i := range path[:len(path)-1] {
		st, ok := deref(t).Underlying().(*types.Struct)
		if !ok {
			return "", "promoted method through a non-struct type"
		}
		field := st.Field(i)
		expr += "." + field.Name()
		t = field.Type()
	}
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr {
		expr = "&" + expr
	}
	return expr, ""
}

// simpleExpr reports whether e can stand before a selector or after & unparenthesized.
func simpleExpr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return simpleExpr(e.X)
	case *ast.ParenExpr:
		return true
	}
	return false
}

func deref(t types.Type) types.Type {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

func isNil(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	return ok && tv.IsNil()
}

// scope returns the name of the variable in scope at pos that carries the incoming
// request's state: the innermost context.Context variable, or a *http.Request parameter
// of an enclosing function (a handler's r; a local *http.Request, or one passed to the
// call, is the outgoing request); "nil" when there is none.
func (s *scanner) scope(call *ast.CallExpr, stack []ast.Node) string {
	pos := call.Pos()
	params := make(map[*types.Var]bool)
	for _, n := range stack {
		var ft *ast.FuncType
		switch f := n.(type) {
		case *ast.FuncDecl:
			ft = f.Type
		case *ast.FuncLit:
			ft = f.Type
		}
		if ft == nil || ft.Params == nil {
			continue
		}
		for _, field := range ft.Params.List {
			for _, name := range field.Names {
				if v, ok := s.pkg.TypesInfo.Defs[name].(*types.Var); ok {
					params[v] = true
				}
			}
		}
	}
	// A request passed to the call itself is the outgoing one.
	for _, arg := range call.Args {
		if id, ok := unparen(arg).(*ast.Ident); ok {
			if v, ok := s.pkg.TypesInfo.Uses[id].(*types.Var); ok {
				delete(params, v)
			}
		}
	}
	pkgScope := s.pkg.Types.Scope()
	inner := pkgScope.Innermost(pos)
	for sc := inner; sc != nil && sc != pkgScope && sc != types.Universe; sc = sc.Parent() {
		var found string
		for _, name := range sc.Names() {
			v, ok := sc.Lookup(name).(*types.Var)
			if !ok || name == "_" || !v.Pos().IsValid() || v.Pos() >= pos {
				continue
			}
			if !isContext(v.Type()) && !(isRequestPtr(v.Type()) && params[v]) {
				continue
			}
			// The name must still refer to v at pos.
			if _, obj := inner.LookupParent(name, pos); obj != v {
				continue
			}
			if found == "" || isContext(v.Type()) {
				found = name
			}
		}
		if found != "" {
			return found
		}
	}
	return "nil"
}

func isContext(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isRequestPtr(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "net/http" && n.Obj().Name() == "Request"
}

// interfaceCall reports a dynamic call of a net/http method through an interface.
func (s *scanner) interfaceCall(call *ast.CallExpr, fn string, stack []ast.Node) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	selection := s.pkg.TypesInfo.Selections[sel]
	if selection == nil || selection.Kind() != types.MethodVal {
		return
	}
	if !types.IsInterface(selection.Recv()) {
		return
	}
	m, ok := selection.Obj().(*types.Func)
	if !ok || m.Name() != "Do" || !isDoSignature(m.Type().(*types.Signature)) {
		return
	}
	site := s.newSite(call.Pos(), fn, m.FullName(), KindClient)
	s.unrewritable(site, reasonInterface)
}

// isDoSignature reports whether sig is func(*http.Request) (*http.Response, error).
func isDoSignature(sig *types.Signature) bool {
	return sig.Params().Len() == 1 && isRequestPtr(sig.Params().At(0).Type()) && sig.Results().Len() == 2
}

// methodValue reports a net/http method used as a value (f := client.Do).
func (s *scanner) methodValue(sel *ast.SelectorExpr, fn string, stack []ast.Node) {
	selection := s.pkg.TypesInfo.Selections[sel]
	if selection == nil || selection.Kind() != types.MethodVal || isCalled(sel, stack) {
		return
	}
	m, ok := selection.Obj().(*types.Func)
	if !ok {
		return
	}
	if f, ok := forms[m.FullName()]; ok {
		s.unrewritable(s.newSite(sel.Pos(), fn, m.FullName(), f.kind), reasonMethodValue)
	}
}

// funcValue reports a net/http function used as a value (get := http.Get).
func (s *scanner) funcValue(id *ast.Ident, fn string, stack []ast.Node) {
	f, ok := s.pkg.TypesInfo.Uses[id].(*types.Func)
	if !ok || f.Pkg() == nil || f.Pkg().Path() != "net/http" {
		return
	}
	fm, ok := forms[f.FullName()]
	if !ok || f.Type().(*types.Signature).Recv() != nil {
		return
	}
	if len(stack) > 0 {
		if sel, ok := stack[len(stack)-1].(*ast.SelectorExpr); ok && sel.Sel == id {
			if isCalled(sel, stack[:len(stack)-1]) {
				return
			}
		}
	}
	if isCalled(id, stack) {
		return
	}
	s.unrewritable(s.newSite(id.Pos(), fn, f.FullName(), fm.kind), reasonFuncValue)
}

// isCalled reports whether e is the Fun of the innermost enclosing call on stack.
func isCalled(e ast.Expr, stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.CallExpr:
			return unparen(n.Fun) == e
		case *ast.ParenExpr:
			continue
		default:
			return false
		}
	}
	return false
}

func unparen(e ast.Expr) ast.Expr {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}
