package store_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/valghalla/valghalla/models"
	"github.com/valghalla/valghalla/store"
)

// Every audit action the product declares is offered by the audit log's
// filter and named in both languages: an action added later and forgotten
// here would be unfindable on the page and shown raw.
func TestEveryAuditActionIsOfferedAndTranslated(t *testing.T) {
	declared := auditActionsDeclared(t, "../models", "../store")
	if len(declared) < 30 {
		t.Fatalf("found only %d audit actions declared: the source scan is broken", len(declared))
	}
	for _, a := range declared {
		if !slices.Contains(store.AuditActions, models.AuditAction(a)) {
			t.Errorf("audit action %q is not in store.AuditActions", a)
		}
	}
	for _, lang := range []string{"da", "en"} {
		raw, err := os.ReadFile(filepath.Join("..", "locale", lang, "auditlog.json"))
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]string
		if err := json.Unmarshal(raw, &keys); err != nil {
			t.Fatal(err)
		}
		for _, a := range store.AuditActions {
			if keys["auditlog.action."+string(a)] == "" {
				t.Errorf("%s: no auditlog.action.%s", lang, a)
			}
		}
	}
}

// auditActionsDeclared reads the string constants of type AuditAction
// (models.AuditAction outside models) from the non-test files of dirs.
func auditActionsDeclared(t *testing.T, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				spec, ok := n.(*ast.ValueSpec)
				if !ok || spec.Type == nil || !isAuditActionType(spec.Type) {
					return true
				}
				for _, v := range spec.Values {
					if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, s)
					}
				}
				return true
			})
		}
	}
	return out
}

func isAuditActionType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "AuditAction"
	case *ast.SelectorExpr:
		return e.Sel.Name == "AuditAction"
	}
	return false
}
