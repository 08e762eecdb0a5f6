package mutate

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// The operators, in the order their mutants are listed at one position.
// Each plants a kind of bug people really write.
const (
	OpBoundary   = "boundary"   // < <-> <=, > <-> >= : the off-by-one at a limit
	OpEquality   = "equality"   // == <-> != : the inverted test
	OpLogical    = "logical"    // && <-> || : the wrong connective
	OpArithmetic = "arithmetic" // + <-> -, * <-> /, % -> *, ++ <-> -- (and op=)
	OpBitwise    = "bitwise"    // & <-> |, << <-> >> (and op=)
	OpConstant   = "constant"   // an integer constant or threshold ±1
	OpNegate     = "negate"     // an if condition negated
	OpRemove     = "remove"     // a call, an assignment, an increment or an early return dropped
	OpSwapArgs   = "swap-args"  // two adjacent arguments of the same type swapped
)

// Operators lists every operator name in listing order.
var Operators = []string{OpBoundary, OpEquality, OpLogical, OpArithmetic, OpBitwise, OpConstant, OpNegate, OpRemove, OpSwapArgs}

func opRank(op string) int {
	for i, o := range Operators {
		if o == op {
			return i
		}
	}
	return len(Operators)
}

// edit is one operator's proposed change: replace the source between pos
// and end with text.
type edit struct {
	op       string
	pos, end token.Pos
	text     string
	fn       string // the enclosing function, for the mutant's ID
}

// swaps maps an operator token to the one a mutant puts in its place.
var swaps = map[token.Token]struct {
	op string
	to token.Token
}{
	token.LSS: {OpBoundary, token.LEQ}, token.LEQ: {OpBoundary, token.LSS},
	token.GTR: {OpBoundary, token.GEQ}, token.GEQ: {OpBoundary, token.GTR},
	token.EQL: {OpEquality, token.NEQ}, token.NEQ: {OpEquality, token.EQL},
	token.LAND: {OpLogical, token.LOR}, token.LOR: {OpLogical, token.LAND},
	token.ADD: {OpArithmetic, token.SUB}, token.SUB: {OpArithmetic, token.ADD},
	token.MUL: {OpArithmetic, token.QUO}, token.QUO: {OpArithmetic, token.MUL},
	token.REM: {OpArithmetic, token.MUL},
	token.AND: {OpBitwise, token.OR}, token.OR: {OpBitwise, token.AND},
	token.SHL: {OpBitwise, token.SHR}, token.SHR: {OpBitwise, token.SHL},
	token.ADD_ASSIGN: {OpArithmetic, token.SUB_ASSIGN}, token.SUB_ASSIGN: {OpArithmetic, token.ADD_ASSIGN},
	token.MUL_ASSIGN: {OpArithmetic, token.QUO_ASSIGN}, token.QUO_ASSIGN: {OpArithmetic, token.MUL_ASSIGN},
	token.REM_ASSIGN: {OpArithmetic, token.MUL_ASSIGN},
	token.AND_ASSIGN: {OpBitwise, token.OR_ASSIGN}, token.OR_ASSIGN: {OpBitwise, token.AND_ASSIGN},
	token.SHL_ASSIGN: {OpBitwise, token.SHR_ASSIGN}, token.SHR_ASSIGN: {OpBitwise, token.SHL_ASSIGN},
	token.INC: {OpArithmetic, token.DEC}, token.DEC: {OpArithmetic, token.INC},
}

// visitor walks one file and collects edits.
type visitor struct {
	p     *Package
	f     *SourceFile
	fn    string
	edits []edit
}

func (v *visitor) add(op string, pos, end token.Pos, text string) {
	v.edits = append(v.edits, edit{op: op, pos: pos, end: end, text: text, fn: v.fn})
}

// src is the source text of a node.
func (v *visitor) src(n ast.Node) string {
	return string(v.f.Src[v.p.Fset.Position(n.Pos()).Offset:v.p.Fset.Position(n.End()).Offset])
}

func (v *visitor) typeOf(e ast.Expr) types.Type {
	if tv, ok := v.p.Info.Types[e]; ok {
		return tv.Type
	}
	return nil
}

// diagnostic names methods that only describe a value (for people, errors
// or the trace hash): a mutant in one changes what is printed or hashed,
// never what the protocol does, so it could only survive as equivalent.
var diagnostic = map[string]bool{"String": true, "GoString": true, "Error": true, "TraceHash": true}

// fileEdits lists every edit of one file, in no particular order.
func fileEdits(p *Package, f *SourceFile) []edit {
	v := &visitor{p: p, f: f}
	for _, d := range f.AST.Decls {
		v.fn = ""
		if fd, ok := d.(*ast.FuncDecl); ok {
			if fd.Recv != nil && diagnostic[fd.Name.Name] {
				continue
			}
			v.fn = funcName(fd)
		}
		ast.Inspect(d, v.visit)
	}
	return v.edits
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	recv := types.ExprString(fd.Recv.List[0].Type)
	if strings.HasPrefix(recv, "*") {
		recv = "(" + recv + ")"
	}
	return recv + "." + fd.Name.Name
}

func (v *visitor) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.ArrayType:
		// A length is part of a type: changing it changes types, not logic.
		if n.Elt != nil {
			ast.Inspect(n.Elt, v.visit)
		}
		return false
	case *ast.BinaryExpr:
		v.binary(n)
	case *ast.AssignStmt:
		if s, ok := swaps[n.Tok]; ok {
			v.add(s.op, n.TokPos, n.TokPos+token.Pos(len(n.Tok.String())), s.to.String())
		}
	case *ast.IncDecStmt:
		s := swaps[n.Tok]
		v.add(s.op, n.TokPos, n.TokPos+2, s.to.String())
	case *ast.BasicLit:
		v.constant(n)
	case *ast.IfStmt:
		v.negate(n)
		v.earlyReturns(n.Body)
	case *ast.BlockStmt:
		v.removals(n.List)
	case *ast.CaseClause:
		v.removals(n.Body)
	case *ast.CommClause:
		v.removals(n.Body)
	case *ast.CallExpr:
		v.swapArgs(n)
	}
	return true
}

func (v *visitor) binary(n *ast.BinaryExpr) {
	s, ok := swaps[n.Op]
	if !ok {
		return
	}
	if n.Op == token.ADD {
		if b, ok := types.Unalias(v.typeOf(n)).Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			return // string concatenation has no minus
		}
	}
	v.add(s.op, n.OpPos, n.OpPos+token.Pos(len(n.Op.String())), s.to.String())
}

// constant plants ±1 in an integer literal, keeping its base.
func (v *visitor) constant(n *ast.BasicLit) {
	if n.Kind != token.INT {
		return
	}
	val := constant.MakeFromLiteral(n.Value, n.Kind, 0)
	unsigned := false
	if b, ok := types.Unalias(v.typeOf(n)).(*types.Basic); ok {
		unsigned = b.Info()&types.IsUnsigned != 0
	}
	for _, d := range []int64{1, -1} {
		nv := constant.BinaryOp(val, token.ADD, constant.MakeInt64(d))
		if constant.Sign(nv) < 0 && (unsigned || constant.Sign(val) == 0) {
			continue // 0-1 is negative: rarely compiles and never reads as a real slip
		}
		v.add(OpConstant, n.Pos(), n.End(), formatLike(n.Value, nv))
	}
}

// formatLike writes v in the base the literal lit was written in.
func formatLike(lit string, v constant.Value) string {
	s := v.ExactString()
	n, ok := constant.Uint64Val(v)
	if !ok {
		return s
	}
	switch l := strings.ToLower(lit); {
	case strings.HasPrefix(l, "0x"):
		return lit[:2] + strconv.FormatUint(n, 16)
	case strings.HasPrefix(l, "0b"):
		return lit[:2] + strconv.FormatUint(n, 2)
	case strings.HasPrefix(l, "0o"):
		return lit[:2] + strconv.FormatUint(n, 8)
	}
	return s
}

// negate inverts an if condition. An equality test is left to the
// equality operator, whose mutant would be the same program.
func (v *visitor) negate(n *ast.IfStmt) {
	switch c := ast.Unparen(n.Cond).(type) {
	case *ast.BinaryExpr:
		if c.Op == token.EQL || c.Op == token.NEQ {
			return
		}
	case *ast.UnaryExpr:
		if c.Op == token.NOT {
			v.add(OpNegate, n.Cond.Pos(), n.Cond.End(), v.src(c.X))
			return
		}
	}
	v.add(OpNegate, n.Cond.Pos(), n.Cond.End(), "!("+v.src(n.Cond)+")")
}

// earlyReturns removes a return that ends an if body early: the missing
// "stop here" after handling a case.
func (v *visitor) earlyReturns(body *ast.BlockStmt) {
	for _, st := range body.List {
		if r, ok := st.(*ast.ReturnStmt); ok {
			v.add(OpRemove, r.Pos(), r.End(), "")
		}
	}
}

// removals drops statements whose absence still compiles: a call (not a
// panic, which only guards what must not happen), an assignment (its
// right side is kept as `_ = ...` so no variable goes unused) and an
// increment.
func (v *visitor) removals(list []ast.Stmt) {
	for _, st := range list {
		switch s := st.(type) {
		case *ast.ExprStmt:
			call, ok := ast.Unparen(s.X).(*ast.CallExpr)
			if !ok || v.isBuiltin(call.Fun, "panic") {
				continue
			}
			v.add(OpRemove, s.Pos(), s.End(), "")
		case *ast.IncDecStmt:
			v.add(OpRemove, s.Pos(), s.End(), "")
		case *ast.AssignStmt:
			v.removeAssign(s)
		}
	}
}

func (v *visitor) removeAssign(s *ast.AssignStmt) {
	if s.Tok == token.DEFINE {
		return // the names it declares are used below
	}
	blanks := true
	for _, l := range s.Lhs {
		if id, ok := l.(*ast.Ident); !ok || id.Name != "_" {
			blanks = false
		}
	}
	if blanks {
		return
	}
	var rhs []string
	for _, r := range s.Rhs {
		if tv, ok := v.p.Info.Types[r]; ok && tv.IsNil() {
			continue
		}
		rhs = append(rhs, v.src(r))
	}
	text := ""
	if len(rhs) == len(s.Rhs) {
		text = strings.Repeat("_, ", len(s.Lhs)-1) + "_ = " + strings.Join(rhs, ", ")
		if s.Tok != token.ASSIGN {
			text = "_ = " + strings.Join(rhs, ", ")
		}
	}
	v.add(OpRemove, s.Pos(), s.End(), text)
}

func (v *visitor) isBuiltin(fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := v.p.Info.Uses[id].(*types.Builtin)
	return ok && (name == "" || b.Name() == name)
}

// swapArgs swaps two adjacent arguments of identical types: the
// transposed (from, to) or (lo, hi) that compiles and is wrong. Builtins,
// conversions and the variadic tail (format arguments) are left alone.
func (v *visitor) swapArgs(call *ast.CallExpr) {
	if len(call.Args) < 2 || call.Ellipsis.IsValid() || v.isBuiltin(call.Fun, "") {
		return
	}
	tv, ok := v.p.Info.Types[call.Fun]
	if !ok || tv.IsType() {
		return
	}
	sig, ok := types.Unalias(tv.Type).Underlying().(*types.Signature)
	if !ok {
		return
	}
	fixed := sig.Params().Len()
	if sig.Variadic() {
		fixed--
	}
	for i := 0; i+1 < len(call.Args) && i+1 < fixed; i++ {
		a, b := call.Args[i], call.Args[i+1]
		ta, tb := v.typeOf(a), v.typeOf(b)
		sa, sb := v.src(a), v.src(b)
		if ta == nil || tb == nil || !types.Identical(ta, tb) || sa == sb {
			continue
		}
		between := string(v.f.Src[v.p.Fset.Position(a.End()).Offset:v.p.Fset.Position(b.Pos()).Offset])
		v.add(OpSwapArgs, a.Pos(), b.End(), sb+between+sa)
	}
}

// String names an edit for error messages.
func (e edit) String() string { return fmt.Sprintf("%s@%d-%d %q", e.op, e.pos, e.end, e.text) }
