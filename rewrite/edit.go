package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"sort"
	"strings"
)

// applyEdits returns src with the edits applied and the runtime imported. The import
// takes a line of its own right after the package clause; the //line directive after it
// gives every later line its original file name, number and columns, and a /*line*/
// directive after each edit gives the rest of its line its original columns, so that
// vet and the compiler name the user's file:line:col.
func applyEdits(src []byte, edits []edit, file *ast.File, fset *token.FileSet, filename string) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start > edits[j].start
		}
		return edits[i].end > edits[j].end
	})
	for i := 1; i < len(edits); i++ {
		prev, cur := edits[i-1], edits[i]
		// Edits may nest (an insertion inside a replaced range never happens; an
		// insertion at a replaced range's end does), but replaced ranges must not overlap.
		if cur.end > prev.start && cur.start < prev.start && prev.end > prev.start {
			return nil, fmt.Errorf("overlapping rewrites at offsets %d and %d", cur.start, prev.start)
		}
	}
	tf := fset.File(file.Pos())
	out := append([]byte(nil), src...)
	for _, e := range edits {
		text := e.text
		if e.end < len(src) && src[e.end] != '\n' {
			p := tf.Position(tf.Pos(e.end))
			text += fmt.Sprintf("/*line %s:%d:%d*/", filename, p.Line, p.Column)
		}
		out = append(out[:e.start:e.start], append([]byte(text), out[e.end:]...)...)
	}

	pkgLine := tf.Line(file.Name.Pos())
	// Offset just past the package clause's line (in out: the edits all come later in
	// the file, so offsets before the first edit are unchanged).
	at := tf.Offset(file.Name.End())
	nl := strings.IndexByte(string(out[at:]), '\n')
	if nl < 0 {
		return nil, fmt.Errorf("no newline after the package clause")
	}
	at += nl + 1
	header := fmt.Sprintf("import %s %q\n//line %s:%d:1\n", alias, RuntimePath, filename, pkgLine+1)
	return append(out[:at:at], append([]byte(header), out[at:]...)...), nil
}
