package codecheck

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxLines is the longest a function may be, counted from its func
// keyword to its closing brace, both included (its doc comment not).
const maxLines = 100

// longFunc is a function over maxLines.
type longFunc struct {
	pos   string // file:line, relative to the module root
	name  string // Recv.Name or Name
	lines int
}

// TestFunctionLength lists every function and method of the module's
// non-test Go files longer than maxLines lines. Nothing is exempt.
func TestFunctionLength(t *testing.T) {
	root := moduleRoot(t)
	long, files, err := longFunctions(root)
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("found %d Go files under %s; the walk missed the source", files, root)
	}
	for _, f := range long {
		t.Errorf("%s: %s is %d lines; at most %d", f.pos, f.name, f.lines, maxLines)
	}
}

// TestLongFunctionsFound: the check finds a method one line too long and a
// function literal two lines too long, longest first, and passes a
// function at the limit and a long one in a test file (so it can fail).
func TestLongFunctionsFound(t *testing.T) {
	dir := t.TempDir()
	body := func(name string, lines int) string {
		return "func " + name + "() {\n" + strings.Repeat("\t_ = 0\n", lines-2) + "}\n"
	}
	src := "package p\n\n" + body("atLimit", maxLines) + "\ntype T struct{}\n\n// doc\nfunc (T) " + body("over", maxLines+1)[len("func "):] +
		"\nvar f = " + body("", maxLines+2)
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// Test files are not counted.
	if err := os.WriteFile(filepath.Join(dir, "p_test.go"), []byte("package p\n\n"+body("longTest", 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	long, files, err := longFunctions(dir)
	if err != nil {
		t.Fatal(err)
	}
	// "package p", a blank line, atLimit, a blank line, the type, a blank
	// line and the doc comment come before over's func keyword; over and a
	// blank line before the function literal, which counts too.
	want := []longFunc{
		{pos: fmt.Sprintf("p.go:%d", 2+maxLines+5+(maxLines+1)+1), name: "func literal", lines: maxLines + 2},
		{pos: fmt.Sprintf("p.go:%d", 2+maxLines+5), name: "T.over", lines: maxLines + 1},
	}
	if files != 1 || !slices.Equal(long, want) {
		t.Errorf("got %d files, %v; want 1 file, %v", files, long, want)
	}
}

// moduleRoot walks up from the working directory to go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// longFunctions parses every non-test .go file under root (but those of
// hidden directories such as .git) and returns the functions over
// maxLines, longest first, and how many files it read.
func longFunctions(root string) ([]longFunc, int, error) {
	var long []longFunc
	files := 0
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parse: %w", err)
		}
		files++
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		check := func(name string, typ *ast.FuncType, body *ast.BlockStmt) {
			start, end := fset.Position(typ.Pos()), fset.Position(body.Rbrace)
			if n := end.Line - start.Line + 1; n > maxLines {
				long = append(long, longFunc{pos: fmt.Sprintf("%s:%d", filepath.ToSlash(rel), start.Line), name: name, lines: n})
			}
		}
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Body != nil {
					check(funcName(decl), decl.Type, decl.Body)
				}
			case *ast.GenDecl: // var f = func() {…}: a function all the same
				ast.Inspect(decl, func(n ast.Node) bool {
					if lit, ok := n.(*ast.FuncLit); ok {
						check("func literal", lit.Type, lit.Body)
					}
					return true
				})
			}
		}
		return nil
	})
	slices.SortStableFunc(long, func(a, b longFunc) int { return cmp.Compare(b.lines, a.lines) })
	return long, files, err
}

// funcName is Name, or Recv.Name for a method (without the receiver's
// pointer or type parameters).
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	switch x := typ.(type) {
	case *ast.IndexExpr:
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
