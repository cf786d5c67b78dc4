package analysis

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/callgraph"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// program is the SSA form of the module's packages, with the indexes the tracing
// needs: who calls each function, and what is stored in each field, package variable
// and array.
type program struct {
	prog   *ssa.Program
	fset   *token.FileSet
	modDir string
	info   map[*types.Package]*types.Info

	funcSinks  map[string]Sink // by the callee's full name
	fieldSinks map[string]Sink // by "<package path>.<type>.<field>"
	rw         *types.Interface

	// cg holds the static call edges out of every function built from source,
	// function literals included.
	cg           *callgraph.Graph
	funcs        []*ssa.Function // every function with a body, in source order
	fieldStores  map[*types.Var][]*ssa.Store
	globalStores map[*ssa.Global][]*ssa.Store
	globalIndex  map[*ssa.Global][]*ssa.IndexAddr
	calls        map[token.Pos]*ast.CallExpr   // by Lparen, SSA's position of a call
	returns      map[token.Pos]*ast.ReturnStmt // by the return keyword
	events       map[*ssa.Function][]ref
}

// ref is a function that a function calls or uses as a value, at a position.
type ref struct {
	pos token.Pos
	fn  *ssa.Function
}

// newProgram builds the SSA form of pkgs (which must share one FileSet and one type
// universe: one packages.Load) and indexes it.
func newProgram(fset *token.FileSet, modDir string, pkgs []*packages.Package, sinks []Sink) *program {
	prog := ssa.NewProgram(fset, ssa.InstantiateGenerics)
	pr := &program{
		prog:         prog,
		fset:         fset,
		modDir:       modDir,
		info:         make(map[*types.Package]*types.Info),
		funcSinks:    make(map[string]Sink),
		fieldSinks:   make(map[string]Sink),
		fieldStores:  make(map[*types.Var][]*ssa.Store),
		globalStores: make(map[*ssa.Global][]*ssa.Store),
		globalIndex:  make(map[*ssa.Global][]*ssa.IndexAddr),
		calls:        make(map[token.Pos]*ast.CallExpr),
		returns:      make(map[token.Pos]*ast.ReturnStmt),
		events:       make(map[*ssa.Function][]ref),
	}
	for _, s := range sinks {
		if s.Field != "" {
			pr.fieldSinks[s.Field] = s
		} else {
			pr.funcSinks[s.Function] = s
		}
	}
	created := make(map[*types.Package]bool)
	for _, p := range pkgs {
		created[p.Types] = true
		pr.info[p.Types] = p.TypesInfo
		prog.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true)
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					pr.calls[n.Lparen] = n
				case *ast.ReturnStmt:
					pr.returns[n.Return] = n
				}
				return true
			})
		}
	}
	// Packages without syntax (dependencies outside the module) are created from
	// their types only: their functions have no body.
	var createAll func(ps []*types.Package)
	createAll = func(ps []*types.Package) {
		for _, p := range ps {
			if !created[p] {
				created[p] = true
				prog.CreatePackage(p, nil, nil, true)
				createAll(p.Imports())
			}
		}
	}
	for _, p := range pkgs {
		createAll(p.Types.Imports())
	}
	prog.Build()
	if http := prog.ImportedPackage("net/http"); http != nil {
		if t, ok := http.Members["ResponseWriter"].(*ssa.Type); ok {
			pr.rw, _ = t.Type().Underlying().(*types.Interface)
		}
	}

	for fn := range ssautil.AllFunctions(prog) {
		if len(fn.Blocks) > 0 {
			pr.funcs = append(pr.funcs, fn)
		}
	}
	slices.SortFunc(pr.funcs, pr.compareFuncs)
	pr.cg = callgraph.New(nil)
	for _, fn := range pr.funcs {
		node := pr.cg.CreateNode(fn)
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				switch instr := instr.(type) {
				case ssa.CallInstruction:
					if g := instr.Common().StaticCallee(); g != nil {
						callgraph.AddEdge(node, instr, pr.cg.CreateNode(g))
					}
				}
				switch instr := instr.(type) {
				case *ssa.Store:
					switch addr := instr.Addr.(type) {
					case *ssa.FieldAddr:
						if v := fieldOf(addr.X.Type(), addr.Field); v != nil {
							pr.fieldStores[v] = append(pr.fieldStores[v], instr)
						}
					case *ssa.Global:
						pr.globalStores[addr] = append(pr.globalStores[addr], instr)
					}
				case *ssa.IndexAddr:
					if g, ok := instr.X.(*ssa.Global); ok {
						pr.globalIndex[g] = append(pr.globalIndex[g], instr)
					}
				}
			}
		}
	}
	return pr
}

// compareFuncs orders functions by source position, then by name.
func (pr *program) compareFuncs(a, b *ssa.Function) int {
	pa, pb := pr.fset.Position(a.Pos()), pr.fset.Position(b.Pos())
	if c := cmp.Compare(pa.Filename, pb.Filename); c != 0 {
		return c
	}
	if c := cmp.Compare(pa.Offset, pb.Offset); c != 0 {
		return c
	}
	return cmp.Compare(a.String(), b.String())
}

// fieldOf returns field i of the struct t points to (or is).
func fieldOf(t types.Type, i int) *types.Var {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	s, ok := t.Underlying().(*types.Struct)
	if !ok || i >= s.NumFields() {
		return nil
	}
	return s.Field(i).Origin()
}

// fieldName is "<package path>.<type>.<field>" for field i of the struct t points to
// (or is), when the struct is a named type's.
func fieldName(t types.Type, i int) string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return ""
	}
	v := fieldOf(t, i)
	if v == nil {
		return ""
	}
	return n.Obj().Pkg().Path() + "." + n.Obj().Name() + "." + v.Name()
}

// initPos is the position of a store made by a package initializer, which has no
// syntax of its own to find constants in; NoPos for other stores.
func initPos(st *ssa.Store) token.Pos {
	if isInit(st.Parent()) {
		return st.Pos()
	}
	return token.NoPos
}

// isInit reports whether fn is a package initializer, whose statements are the
// package-level variables' initialisations.
func isInit(fn *ssa.Function) bool { return fn.Synthetic == "package initializer" }

// refs returns the functions fn calls or uses as values, in source order, with the
// methods of the types fn converts to interfaces (a handler type given to a mux).
func (pr *program) refs(fn *ssa.Function) []ref {
	if r, ok := pr.events[fn]; ok {
		return r
	}
	var out []ref
	last := fn.Pos()
	generic := fn.TypeParams().Len() > 0 && len(fn.TypeArgs()) == 0
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			pos := instr.Pos()
			if !pos.IsValid() {
				pos = last
			}
			last = pos
			var ops [8]*ssa.Value
			for _, op := range instr.Operands(ops[:0]) {
				if g, ok := (*op).(*ssa.Function); ok && len(g.Blocks) > 0 {
					p := pos
					if g.Parent() != nil && g.Pos().IsValid() {
						p = g.Pos()
					}
					out = append(out, ref{p, g})
				}
			}
			if mi, ok := instr.(*ssa.MakeInterface); ok && !generic {
				for _, m := range pr.methods(mi.X.Type()) {
					out = append(out, ref{pos, m})
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b ref) int { return cmp.Compare(a.pos, b.pos) })
	pr.events[fn] = out
	return out
}

// methods returns the methods with a body of t's method set.
func (pr *program) methods(t types.Type) (out []*ssa.Function) {
	if types.IsInterface(t) {
		return nil
	}
	defer func() {
		if recover() != nil { // a parameterized type: no method values
			out = nil
		}
	}()
	mset := pr.prog.MethodSets.MethodSet(t)
	for sel := range mset.Methods() {
		if m := pr.prog.MethodValue(sel); m != nil && len(m.Blocks) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// reach returns the functions a service reaches from roots, in the order a depth-first
// walk first visits them.
func (pr *program) reach(roots []*ssa.Function) []*ssa.Function {
	seen := make(map[*ssa.Function]bool)
	var order []*ssa.Function
	var visit func(fn *ssa.Function)
	visit = func(fn *ssa.Function) {
		if seen[fn] {
			return
		}
		seen[fn] = true
		order = append(order, fn)
		for _, r := range pr.refs(fn) {
			visit(r.fn)
		}
	}
	for _, fn := range roots {
		visit(fn)
	}
	return order
}

// roots returns the functions of a main package: its functions and methods in source
// order, then its package initializer.
func (pr *program) roots(p *types.Package) []*ssa.Function {
	pkg := pr.prog.Package(p)
	if pkg == nil {
		return nil
	}
	var roots []*ssa.Function
	var init *ssa.Function
	for _, m := range pkg.Members {
		switch m := m.(type) {
		case *ssa.Function:
			if isInit(m) {
				init = m
			} else if len(m.Blocks) > 0 {
				roots = append(roots, m)
			}
		case *ssa.Type:
			if _, ok := m.Type().(*types.Named); ok {
				roots = append(roots, pr.methods(m.Type())...)
				roots = append(roots, pr.methods(types.NewPointer(m.Type()))...)
			}
		}
	}
	slices.SortFunc(roots, pr.compareFuncs)
	roots = slices.CompactFunc(roots, func(a, b *ssa.Function) bool { return a == b })
	if init != nil {
		roots = append(roots, init)
	}
	return roots
}

// origin is a status found as a constant, where it is written, and where it first
// appears in the service: a function the service reaches and a position in it.
type origin struct {
	status   int
	pos      token.Pos
	anchorFn *ssa.Function
	anchor   token.Pos
}

// site is the call or statement through which a status is passed: where an
// unresolved status is reported.
type site struct {
	pos  token.Pos
	expr string
}

// frame is a call the tracing entered to follow a return value: a parameter of the
// callee is then the argument of that call.
type frame struct {
	call   ssa.CallInstruction
	callee *ssa.Function
	outer  *frame
}

type anchor struct {
	fn  *ssa.Function
	pos token.Pos
}

type traceKey struct {
	v    ssa.Value
	call ssa.CallInstruction
	site token.Pos
}

// miss is a status the tracing could not resolve.
type miss struct {
	site   site
	reason string
}

// tracer follows the status values of one service back to their constants.
type tracer struct {
	pr *program
	// grpc says this tracer follows gRPC codes, to the sinks marked GRPC, and no HTTP
	// status; a tracer follows one or the other.
	grpc    bool
	reached map[*ssa.Function]bool
	ifaces  []types.Type // concrete types the service converts to interfaces
	origins []origin
	misses  []miss
	seen    map[traceKey]bool
}

func (pr *program) newTracer(reached []*ssa.Function, grpc bool) *tracer {
	t := &tracer{pr: pr, grpc: grpc, reached: make(map[*ssa.Function]bool), seen: make(map[traceKey]bool)}
	seenType := make(map[string]bool)
	for _, fn := range reached {
		t.reached[fn] = true
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if mi, ok := instr.(*ssa.MakeInterface); ok && !types.IsInterface(mi.X.Type()) {
					if k := mi.X.Type().String(); !seenType[k] {
						seenType[k] = true
						t.ifaces = append(t.ifaces, mi.X.Type())
					}
				}
			}
		}
	}
	return t
}

// sinks traces the status of every sink in fn.
func (t *tracer) sinks(fn *ssa.Function) {
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			switch instr := instr.(type) {
			case ssa.CallInstruction:
				s, ok := t.pr.sinkOf(instr)
				if !ok || s.GRPC != t.grpc {
					continue
				}
				at := anchor{fn, instr.Pos()}
				if s.Status != 0 {
					t.add(s.Status, instr.Pos(), fn, at)
					continue
				}
				arg, pos, expr := t.pr.arg(instr, s.Arg, true)
				if arg == nil {
					continue
				}
				t.value(arg, nil, site{instr.Pos(), expr}, fn, pos, at)
			case *ssa.Store:
				fa, ok := instr.Addr.(*ssa.FieldAddr)
				if !ok || t.grpc {
					continue
				}
				name := fieldName(fa.X.Type(), fa.Field)
				if _, ok := t.pr.fieldSinks[name]; !ok {
					continue
				}
				short := name[strings.LastIndex(name[:strings.LastIndex(name, ".")], "/")+1:]
				t.value(instr.Val, nil, site{instr.Pos(), short}, fn, token.NoPos, anchor{fn, instr.Pos()})
			}
		}
	}
}

// sinkOf returns the sink a call is, if any.
func (pr *program) sinkOf(call ssa.CallInstruction) (Sink, bool) {
	c := call.Common()
	if c.IsInvoke() {
		s, ok := pr.funcSinks[c.Method.Origin().FullName()]
		return s, ok
	}
	callee := c.StaticCallee()
	if callee == nil {
		return Sink{}, false
	}
	obj, _ := callee.Object().(*types.Func)
	if obj == nil {
		return Sink{}, false
	}
	if s, ok := pr.funcSinks[obj.Origin().FullName()]; ok {
		return s, true
	}
	// WriteHeader on a type of another module that implements http.ResponseWriter
	// (a module's own wrapper is followed into instead).
	sig := obj.Signature()
	if len(callee.Blocks) == 0 && obj.Name() == "WriteHeader" && sig.Recv() != nil && sig.Params().Len() == 1 && pr.rw != nil {
		if recv := sig.Recv().Type(); types.Implements(recv, pr.rw) || types.Implements(types.NewPointer(recv), pr.rw) {
			return Sink{Function: obj.FullName()}, true
		}
	}
	return Sink{}, false
}

// arg returns argument i of call (receiver not counted when skipRecv), with the position
// and text of its expression when the call is in source.
func (pr *program) arg(call ssa.CallInstruction, i int, skipRecv bool) (ssa.Value, token.Pos, string) {
	c := call.Common()
	args := c.Args
	if skipRecv && !c.IsInvoke() && c.Signature().Recv() != nil {
		i++
	}
	if i >= len(args) {
		return nil, token.NoPos, ""
	}
	v := args[i]
	ce := pr.calls[call.Pos()]
	if ce == nil {
		return v, token.NoPos, v.Name()
	}
	off := len(args) - len(ce.Args) // a method called on its receiver: the receiver is args[0]
	if c.IsInvoke() {
		off = 0
	}
	if j := i - off; j >= 0 && j < len(ce.Args) && !(ce.Ellipsis.IsValid() && j == len(ce.Args)-1) {
		return v, ce.Args[j].Pos(), types.ExprString(ce.Args[j])
	}
	return v, token.NoPos, v.Name()
}

// add records an origin. home is the function the constant is written in.
// maxGRPCCode is the greatest gRPC code (UNAUTHENTICATED).
const maxGRPCCode = 16

func (t *tracer) add(status int, pos token.Pos, home *ssa.Function, at anchor) {
	if t.grpc && (status <= 0 || status > maxGRPCCode) || !t.grpc && status < 400 {
		return // not an error: a 2xx or 3xx status, or gRPC's OK
	}
	if home != nil && !isInit(home) && t.reached[home] {
		at = anchor{home, pos}
	}
	t.origins = append(t.origins, origin{status: status, pos: pos, anchorFn: at.fn, anchor: at.pos})
}

func (t *tracer) miss(s site, format string, args ...any) {
	t.misses = append(t.misses, miss{site: s, reason: fmt.Sprintf(format, args...)})
}

// value follows v, a status used in function in (at pos, when known), back to its
// constants. s is where an unresolved value is reported; at is the last position of the
// service's own functions on the way.
func (t *tracer) value(v ssa.Value, stack *frame, s site, in *ssa.Function, pos token.Pos, at anchor) {
	var top ssa.CallInstruction
	if stack != nil {
		top = stack.call
	}
	k := traceKey{v, top, s.pos}
	if t.seen[k] {
		return
	}
	t.seen[k] = true
	if in != nil && !isInit(in) && t.reached[in] {
		if p := v.Pos(); p.IsValid() {
			at = anchor{in, p}
		} else if pos.IsValid() {
			at = anchor{in, pos}
		}
	}

	switch v := v.(type) {
	case *ssa.Const:
		if v.Value == nil || v.Value.Kind() != constant.Int {
			return
		}
		code, exact := constant.Int64Val(v.Value)
		if !exact {
			return
		}
		if !pos.IsValid() {
			pos = t.pr.constPos(in, v.Value)
		}
		if !pos.IsValid() {
			pos = s.pos
		}
		t.add(int(code), pos, in, at)
	case *ssa.Phi:
		for _, e := range v.Edges {
			t.value(e, stack, s, v.Parent(), token.NoPos, at)
		}
	case *ssa.Parameter:
		t.param(v, stack, s, at)
	case *ssa.FreeVar:
		fn := v.Parent()
		i := slices.Index(fn.FreeVars, v)
		for _, mc := range t.closures(fn) {
			t.value(mc.Bindings[i], stack, s, mc.Parent(), token.NoPos, at)
		}
	case *ssa.UnOp:
		if v.Op != token.MUL {
			t.miss(s, "an expression the analysis does not follow (%s)", v.Op)
			return
		}
		t.load(v.X, stack, s, v.Parent(), at)
	case *ssa.Call:
		t.returns(v, 0, stack, s, at)
	case *ssa.Extract:
		switch tup := v.Tuple.(type) {
		case *ssa.Call:
			t.returns(tup, v.Index, stack, s, at)
		case *ssa.Lookup:
			if v.Index == 0 {
				t.container(tup.X, stack, s, tup.Parent(), at)
			}
		case *ssa.Next:
			if r, ok := tup.Iter.(*ssa.Range); ok && v.Index == 2 {
				t.container(r.X, stack, s, tup.Parent(), at)
			}
		case *ssa.TypeAssert:
			if v.Index == 0 {
				t.value(tup.X, stack, s, tup.Parent(), token.NoPos, at)
			}
		default:
			t.miss(s, "an expression the analysis does not follow")
		}
	case *ssa.Lookup:
		t.container(v.X, stack, s, v.Parent(), at)
	case *ssa.Index:
		t.container(v.X, stack, s, v.Parent(), at)
	case *ssa.Field:
		t.field(fieldOf(v.X.Type(), v.Field), fieldName(v.X.Type(), v.Field), s, at)
	case *ssa.Convert:
		t.value(v.X, stack, s, v.Parent(), pos, at)
	case *ssa.ChangeType:
		t.value(v.X, stack, s, v.Parent(), pos, at)
	case *ssa.MakeInterface:
		t.value(v.X, stack, s, v.Parent(), pos, at)
	case *ssa.TypeAssert:
		t.value(v.X, stack, s, v.Parent(), pos, at)
	default:
		t.miss(s, "an expression the analysis does not follow")
	}
}

// param follows a parameter to the arguments its callers pass: the call the tracing
// entered the function through, or else every call site of the service.
func (t *tracer) param(v *ssa.Parameter, stack *frame, s site, at anchor) {
	fn := v.Parent()
	i := slices.Index(fn.Params, v)
	if stack != nil && stack.callee == fn {
		arg, pos, expr := t.pr.arg(stack.call, i, false)
		if stack.call.Common().IsInvoke() {
			if i == 0 {
				return // the receiver
			}
			arg, pos, expr = t.pr.arg(stack.call, i-1, false)
		}
		if arg != nil {
			t.value(arg, stack.outer, site{stack.call.Pos(), expr}, stack.call.Parent(), pos, at)
		}
		return
	}
	var callers int
	if node := t.pr.cg.Nodes[fn]; node != nil {
		for _, e := range node.In {
			if !t.reached[e.Caller.Func] {
				continue
			}
			callers++
			arg, pos, expr := t.pr.arg(e.Site, i, false)
			if arg != nil {
				t.value(arg, nil, site{e.Site.Pos(), expr}, e.Caller.Func, pos, at)
			}
		}
	}
	if callers > 0 || t.implementsSink(fn) {
		return
	}
	t.miss(s, "parameter %s of %s, which no call site of the service passes (called through a function value or an interface)", v.Name(), t.pr.funcName(fn))
}

// implementsSink reports whether fn is a WriteHeader method of a ResponseWriter: called
// through the interface, where each call is a sink of its own.
func (t *tracer) implementsSink(fn *ssa.Function) bool {
	recv := fn.Signature.Recv()
	if t.grpc || recv == nil || t.pr.rw == nil || fn.Name() != "WriteHeader" {
		return false
	}
	return types.Implements(recv.Type(), t.pr.rw)
}

// closures returns the MakeClosure instructions of the service that create fn.
func (t *tracer) closures(fn *ssa.Function) []*ssa.MakeClosure {
	var out []*ssa.MakeClosure
	if refs := fn.Referrers(); refs != nil {
		for _, r := range *refs {
			if mc, ok := r.(*ssa.MakeClosure); ok && mc.Fn == fn && t.reached[mc.Parent()] {
				out = append(out, mc)
			}
		}
	}
	return out
}

// load follows the values stored at addr.
func (t *tracer) load(addr ssa.Value, stack *frame, s site, in *ssa.Function, at anchor) {
	switch a := addr.(type) {
	case *ssa.Alloc:
		refs := a.Referrers()
		if refs == nil {
			return
		}
		for _, r := range *refs {
			switch r := r.(type) {
			case *ssa.Store:
				if r.Addr == a {
					t.value(r.Val, stack, s, r.Parent(), token.NoPos, at)
				}
			case ssa.CallInstruction:
				t.miss(site{r.Pos(), s.expr}, "a variable whose address is passed to %s, which may set it", t.pr.calleeName(r))
			}
		}
	case *ssa.FreeVar:
		fn := a.Parent()
		i := slices.Index(fn.FreeVars, a)
		for _, mc := range t.closures(fn) {
			t.load(mc.Bindings[i], stack, s, mc.Parent(), at)
		}
	case *ssa.Global:
		for _, st := range t.pr.globalStores[a] {
			if t.reached[st.Parent()] {
				t.value(st.Val, nil, s, st.Parent(), initPos(st), at)
			}
		}
	case *ssa.FieldAddr:
		t.field(fieldOf(a.X.Type(), a.Field), fieldName(a.X.Type(), a.Field), s, at)
	case *ssa.IndexAddr:
		t.container(a.X, stack, s, in, at)
	default:
		t.miss(s, "a value loaded from memory the analysis does not follow")
	}
}

// field follows the values the service stores in a struct field, wherever the struct
// is: fields are followed by field, not by object.
func (t *tracer) field(f *types.Var, name string, s site, at anchor) {
	if f == nil {
		t.miss(s, "a field the analysis does not follow")
		return
	}
	var n int
	for _, st := range t.pr.fieldStores[f] {
		if t.reached[st.Parent()] {
			n++
			t.value(st.Val, nil, s, st.Parent(), initPos(st), at)
		}
	}
	if n == 0 {
		if name == "" {
			name = f.Name()
		}
		t.miss(s, "field %s, which the service never sets", name)
	}
}

// container follows the elements stored in the map, slice or array x.
func (t *tracer) container(x ssa.Value, stack *frame, s site, in *ssa.Function, at anchor) {
	objs := t.objects(x, make(map[ssa.Value]bool))
	if len(objs) == 0 {
		t.miss(s, "an element of a map, slice or array the analysis does not follow")
		return
	}
	for _, o := range objs {
		var idx []*ssa.IndexAddr
		switch o := o.(type) {
		case *ssa.MakeMap:
			for _, r := range *o.Referrers() {
				if mu, ok := r.(*ssa.MapUpdate); ok && mu.Map == o {
					t.value(mu.Value, nil, s, mu.Parent(), mu.Pos(), at)
				}
			}
			continue
		case *ssa.Global:
			idx = t.pr.globalIndex[o]
		default:
			if refs := o.Referrers(); refs != nil {
				for _, r := range *refs {
					if ia, ok := r.(*ssa.IndexAddr); ok {
						idx = append(idx, ia)
					}
				}
			}
		}
		for _, ia := range idx {
			for _, r := range *ia.Referrers() {
				if st, ok := r.(*ssa.Store); ok && st.Addr == ia {
					t.value(st.Val, nil, s, st.Parent(), initPos(st), at)
				}
			}
		}
	}
}

// objects returns the maps, slices and arrays (their allocations) that x can be.
func (t *tracer) objects(x ssa.Value, seen map[ssa.Value]bool) []ssa.Value {
	if seen[x] {
		return nil
	}
	seen[x] = true
	var out []ssa.Value
	follow := func(stores []*ssa.Store) {
		for _, st := range stores {
			if t.reached[st.Parent()] {
				out = append(out, t.objects(st.Val, seen)...)
			}
		}
	}
	switch x := x.(type) {
	case *ssa.MakeMap, *ssa.MakeSlice:
		return []ssa.Value{x}
	case *ssa.Alloc:
		// An array, and the arrays copied into it whole.
		out = append(out, x)
		var stores []*ssa.Store
		for _, r := range *x.Referrers() {
			if st, ok := r.(*ssa.Store); ok && st.Addr == x {
				stores = append(stores, st)
			}
		}
		follow(stores)
		return out
	case *ssa.Global:
		out = append(out, x)
		follow(t.pr.globalStores[x])
		return out
	case *ssa.Slice:
		return t.objects(x.X, seen)
	case *ssa.ChangeType:
		return t.objects(x.X, seen)
	case *ssa.Phi:
		for _, e := range x.Edges {
			out = append(out, t.objects(e, seen)...)
		}
		return out
	case *ssa.UnOp:
		if x.Op != token.MUL {
			return nil
		}
		switch a := x.X.(type) {
		case *ssa.Global, *ssa.Alloc:
			return t.objects(a, seen)
		case *ssa.FieldAddr:
			follow(t.pr.fieldStores[fieldOf(a.X.Type(), a.Field)])
		}
		return out
	case *ssa.Field:
		follow(t.pr.fieldStores[fieldOf(x.X.Type(), x.Field)])
		return out
	}
	return nil
}

// returns follows result i of call into the functions it can call.
func (t *tracer) returns(call ssa.CallInstruction, i int, stack *frame, s site, at anchor) {
	for f := stack; f != nil; f = f.outer {
		if f.call == call {
			return // recursion
		}
	}
	callees := t.callees(call)
	if len(callees) == 0 {
		t.miss(s, "the result of %s", t.pr.calleeName(call))
		return
	}
	for _, fn := range callees {
		fr := &frame{call: call, callee: fn, outer: stack}
		for _, b := range fn.Blocks {
			ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return)
			if !ok || i >= len(ret.Results) {
				continue
			}
			rs := site{ret.Pos(), s.expr}
			var pos token.Pos
			if rst := t.pr.returns[ret.Pos()]; rst != nil && len(rst.Results) == len(ret.Results) {
				rs.expr = types.ExprString(rst.Results[i])
				pos = rst.Results[i].Pos()
			}
			t.value(ret.Results[i], fr, rs, fn, pos, at)
		}
	}
}

// callees returns the functions with a body call can call: its static callee, or for a
// call through an interface, the methods of the types the service converts to it.
func (t *tracer) callees(call ssa.CallInstruction) []*ssa.Function {
	c := call.Common()
	if g := c.StaticCallee(); g != nil {
		if len(g.Blocks) > 0 {
			return []*ssa.Function{g}
		}
		return nil
	}
	if !c.IsInvoke() {
		return nil
	}
	iface, _ := c.Value.Type().Underlying().(*types.Interface)
	if iface == nil {
		return nil
	}
	var out []*ssa.Function
	for _, typ := range t.ifaces {
		if !types.Implements(typ, iface) {
			continue
		}
		sel := t.pr.prog.MethodSets.MethodSet(typ).Lookup(c.Method.Pkg(), c.Method.Name())
		if sel == nil {
			continue
		}
		if m := t.pr.prog.MethodValue(sel); m != nil && len(m.Blocks) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// calleeName names what call calls, for a message.
func (pr *program) calleeName(call ssa.CallInstruction) string {
	c := call.Common()
	if c.IsInvoke() {
		return c.Method.FullName()
	}
	if g := c.StaticCallee(); g != nil {
		return pr.funcName(g)
	}
	return "a function value"
}

// funcName names fn for a message: its full name as go/types prints it.
func (pr *program) funcName(fn *ssa.Function) string {
	if obj, ok := fn.Object().(*types.Func); ok && fn.Parent() == nil {
		return obj.FullName()
	}
	return fn.String()
}

// constPos returns the position of the first constant expression of value val in fn's
// own source (function literals in it not included).
func (pr *program) constPos(fn *ssa.Function, val constant.Value) token.Pos {
	if fn == nil || fn.Syntax() == nil {
		return token.NoPos
	}
	if o := fn.Origin(); o != nil {
		fn = o
	}
	info := pr.info[fn.Pkg.Pkg]
	if info == nil {
		return token.NoPos
	}
	root := fn.Syntax()
	found := token.NoPos
	ast.Inspect(root, func(n ast.Node) bool {
		if found.IsValid() {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok && n != root {
			return false
		}
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		if tv, ok := info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == val.Kind() && constant.Compare(tv.Value, token.EQL, val) {
			found = e.Pos()
			return false
		}
		return true
	})
	return found
}

// position is "file:line" of pos, module-relative.
func (pr *program) position(pos token.Pos) string {
	if !pos.IsValid() {
		return "-"
	}
	p := pr.fset.Position(pos)
	rel, err := filepath.Rel(pr.modDir, p.Filename)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = p.Filename
	}
	return filepath.ToSlash(rel) + ":" + strconv.Itoa(p.Line)
}

// codes orders a service's origins by first appearance: a depth-first walk from the
// main package's functions in source order, each function's calls, function values and
// constants taken in source order, a called function's at the point of the call.
func (pr *program) codes(roots []*ssa.Function, origins []origin, always ...Code) []Code {
	byFn := make(map[*ssa.Function][]origin)
	for _, o := range origins {
		byFn[o.anchorFn] = append(byFn[o.anchorFn], o)
	}
	for _, os := range byFn {
		slices.SortStableFunc(os, func(a, b origin) int {
			if c := cmp.Compare(a.anchor, b.anchor); c != 0 {
				return c
			}
			if c := cmp.Compare(a.pos, b.pos); c != 0 {
				return c
			}
			return cmp.Compare(a.status, b.status)
		})
	}
	codes := append([]Code(nil), always...)
	seenCode := make(map[int]bool)
	for _, c := range always {
		seenCode[c.Status] = true
	}
	seen := make(map[*ssa.Function]bool)
	var visit func(fn *ssa.Function)
	visit = func(fn *ssa.Function) {
		if seen[fn] {
			return
		}
		seen[fn] = true
		os, refs := byFn[fn], pr.refs(fn)
		for len(os) > 0 || len(refs) > 0 {
			if len(os) > 0 && (len(refs) == 0 || os[0].anchor <= refs[0].pos) {
				if o := os[0]; !seenCode[o.status] {
					seenCode[o.status] = true
					codes = append(codes, Code{Status: o.status, Pos: pr.position(o.pos)})
				}
				os = os[1:]
				continue
			}
			visit(refs[0].fn)
			refs = refs[1:]
		}
	}
	for _, fn := range roots {
		visit(fn)
	}
	return codes
}
