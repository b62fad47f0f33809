package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"strings"
)

func main() {
	dir := os.Args[1]
	roots := os.Args[2:]
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") && !strings.Contains(fi.Name(), "_ent") }, 0)
	if err != nil {
		panic(err)
	}
	specs := map[string]*ast.TypeSpec{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
					for _, s := range g.Specs {
						ts := s.(*ast.TypeSpec)
						specs[ts.Name.Name] = ts
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	var order []string
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		ts, ok := specs[name]
		if !ok {
			return
		}
		seen[name] = true
		order = append(order, name)
		ast.Inspect(ts.Type, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				return false
			case *ast.Ident:
				visit(x.Name)
			}
			return true
		})
	}
	for _, r := range roots {
		visit(r)
	}
	for _, name := range order {
		var buf bytes.Buffer
		printer.Fprint(&buf, fset, specs[name])
		fmt.Printf("type %s\n\n", buf.String())
	}
}
