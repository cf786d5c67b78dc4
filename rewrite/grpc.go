package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// GRPCPath is the import path of the package instrumented gRPC code calls
// (docs/grpc.md).
const GRPCPath = "github.com/filibuster-go/filibuster-gen/grpc"

// grpcModule is the module that provides GRPCPath.
const grpcModule = "github.com/filibuster-go/filibuster-gen/grpc"

// grpcAlias is the name under which instrumented files import GRPCPath, reserved like
// alias.
const grpcAlias = alias + "grpc"

// Kinds of gRPC site.
const (
	KindGRPCClient = "grpc-client" // a gRPC connection made: grpc.NewClient, Dial, DialContext
	KindGRPCServer = "grpc-server" // a gRPC server made: grpc.NewServer
	KindGRPCCall   = "grpc-call"   // an RPC started: a call on a generated client stub, Invoke, NewStream
)

// grpcForm says how one grpc-go function is rewritten: its variadic options, from
// argument first on, are passed through wrapper, which adds our interceptors after them.
type grpcForm struct {
	kind    string
	wrapper string // function of GRPCPath
	first   int    // index of the first option
}

// grpcForms maps (*types.Func).FullName of the grpc-go functions that make connections
// and servers.
var grpcForms = map[string]grpcForm{
	"google.golang.org/grpc.NewClient":   {kind: KindGRPCClient, wrapper: "DialOptions", first: 1},
	"google.golang.org/grpc.Dial":        {kind: KindGRPCClient, wrapper: "DialOptions", first: 1},
	"google.golang.org/grpc.DialContext": {kind: KindGRPCClient, wrapper: "DialOptions", first: 2},
	"google.golang.org/grpc.NewServer":   {kind: KindGRPCServer, wrapper: "ServerOptions", first: 0},
}

// grpcCall rewrites a call of one of grpcForms so that its options go through the
// form's wrapper, in their order and on their lines:
//
//	grpc.NewClient(t, a, b)     grpc.NewClient(t, __filibustergrpc.DialOptions(a, b)...)
//	grpc.NewClient(t, opts...)  grpc.NewClient(t, __filibustergrpc.DialOptions(opts...)...)
//	grpc.NewServer()            grpc.NewServer(__filibustergrpc.ServerOptions()...)
func (s *scanner) grpcCall(call *ast.CallExpr, f grpcForm, fn, callee string, stack []ast.Node) {
	site := s.newSite(call.Pos(), fn, callee, f.kind)
	switch {
	case s.isIgnored(append(stack, call)):
		s.skip(site, reasonIgnored)
		return
	case s.grpcOff != "":
		s.skip(site, s.grpcOff)
		return
	case s.nameDeclared(grpcAlias, call.Pos()):
		s.skip(site, reasonShadowedPrefix+grpcAlias+" is declared in scope, so "+GRPCPath+" cannot be named here")
		return
	case len(call.Args) == 1 && isTuple(s.pkg.TypesInfo, call.Args[0]):
		s.skip(site, "unexpected arguments") // f(g()), g having several results
		return
	}
	wrapper := grpcAlias + "." + f.wrapper + "("
	opts := call.Args[f.first:]
	switch {
	case len(opts) > 0:
		end := ")..."
		if call.Ellipsis.IsValid() {
			end = "...)"
		}
		s.insert(s.offset(opts[0].Pos()), wrapper)
		s.insert(s.offset(opts[len(opts)-1].End()), end)
	case f.first > 0:
		s.insert(s.offset(call.Args[f.first-1].End()), ", "+wrapper+")...")
	default:
		s.insert(s.offset(call.Lparen)+1, wrapper+")...")
	}
	s.importGRPC()
	site.Instrumented = true
	s.out.sites = append(s.out.sites, site)
}

// grpcConnCalls lists, by (*types.Func).FullName, the methods of a connection that start
// an RPC.
var grpcConnCalls = map[string]bool{
	"(*google.golang.org/grpc.ClientConn).Invoke":            true,
	"(*google.golang.org/grpc.ClientConn).NewStream":         true,
	"(google.golang.org/grpc.ClientConnInterface).Invoke":    true,
	"(google.golang.org/grpc.ClientConnInterface).NewStream": true,
}

// grpcRPC returns the method call calls when it starts an RPC from the user's code: a
// method of a client stub that protoc-gen-go-grpc generated (declared in a _grpc.pb.go
// file, its first parameter a context.Context and its last ...grpc.CallOption), or one
// of grpcConnCalls. The calls of a generated file (the stub's own c.cc.Invoke) are not
// the user's.
func (s *scanner) grpcRPC(call *ast.CallExpr) *types.Func {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || len(call.Args) == 0 || ast.IsGenerated(s.file) {
		return nil
	}
	selection := s.pkg.TypesInfo.Selections[sel]
	if selection == nil || selection.Kind() != types.MethodVal {
		return nil
	}
	m, ok := selection.Obj().(*types.Func)
	if !ok {
		return nil
	}
	if grpcConnCalls[m.FullName()] {
		return m
	}
	sig := m.Type().(*types.Signature)
	params := sig.Params()
	if !sig.Variadic() || params.Len() < 2 || !isContext(params.At(0).Type()) {
		return nil
	}
	last, ok := params.At(params.Len() - 1).Type().(*types.Slice)
	if !ok || !isGRPCType(last.Elem(), "CallOption") {
		return nil
	}
	if !strings.HasSuffix(s.pkg.Fset.Position(m.Pos()).Filename, "_grpc.pb.go") {
		return nil
	}
	return m
}

// isGRPCType reports whether t is the named type of grpc-go.
func isGRPCType(t types.Type, name string) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "google.golang.org/grpc" && n.Obj().Name() == name
}

// grpcRPCCall passes the static site of an RPC with its context, so that the RPC is
// reported from that site:
//
//	users.GetUser(ctx, req)  users.GetUser(__filibustergrpc.WithSite(ctx, site), req)
func (s *scanner) grpcRPCCall(call *ast.CallExpr, m *types.Func, fn string, stack []ast.Node) {
	site := s.newSite(call.Pos(), fn, m.FullName(), KindGRPCCall)
	switch {
	case s.isIgnored(append(stack, call)):
		s.skip(site, reasonIgnored)
		return
	case s.grpcOff != "":
		s.skip(site, s.grpcOff)
		return
	case s.aliasShadowed(call.Pos()):
		s.skip(site, reasonShadowedPrefix+s.alias+" is declared in scope, so the runtime cannot be named here")
		return
	case s.nameDeclared(grpcAlias, call.Pos()):
		s.skip(site, reasonShadowedPrefix+grpcAlias+" is declared in scope, so "+GRPCPath+" cannot be named here")
		return
	}
	ctx := call.Args[0]
	s.insert(s.offset(ctx.Pos()), grpcAlias+".WithSite(")
	s.insert(s.offset(ctx.End()), ", "+s.siteLiteral(site)+")")
	s.importGRPC()
	site.Instrumented = true
	s.out.sites = append(s.out.sites, site)
}

// insert records an edit that inserts text at offset.
func (s *scanner) insert(offset int, text string) {
	s.out.edits = append(s.out.edits, edit{start: offset, end: offset, text: text})
}

// grpcImport is the import of GRPCPath that instrumented files get, and grpcRuntimeUse
// the declaration appended to them that keeps the runtime's import (which every
// instrumented file gets) used in a file whose only sites are gRPC's.
var (
	grpcImport     = fmt.Sprintf("import %s %q; ", grpcAlias, GRPCPath)
	grpcRuntimeUse = "var _ " + alias + ".Site // uses the runtime import in a file whose only sites are gRPC calls\n"
)

// importGRPC adds, once per file, the import of GRPCPath: at the start of the line
// after the package clause, which applyEdits puts right after the runtime's import, so
// the line keeps its number.
func (s *scanner) importGRPC() {
	for _, e := range s.out.edits {
		if e.text == grpcImport {
			return
		}
	}
	at := s.offset(s.file.Name.End())
	nl := strings.IndexByte(string(s.src[at:]), '\n')
	if nl < 0 {
		return // no line after the package clause: no call either
	}
	s.insert(at+nl+1, grpcImport)
	end := len(s.src)
	use := grpcRuntimeUse
	if end > 0 && s.src[end-1] != '\n' {
		use = "\n" + use
	}
	s.insert(end, use)
}

// nameDeclared reports whether a declaration in scope at pos has the given name.
func (s *scanner) nameDeclared(name string, pos token.Pos) bool {
	inner := s.pkg.Types.Scope().Innermost(pos)
	if inner == nil {
		return s.pkg.Types.Scope().Lookup(name) != nil
	}
	_, obj := inner.LookupParent(name, pos)
	return obj != nil
}

// isTuple reports whether e has several results (f(g()) passing g's results).
func isTuple(info *types.Info, e ast.Expr) bool {
	tv, ok := info.Types[e]
	_, tuple := tv.Type.(*types.Tuple)
	return ok && tuple
}
