package intake

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// intake knows no chat platform: no string in its code carries Slack
// markup (mentions, channel links, emoji shortcodes, bold or code spans).
// Words for people live in the adapter.
func TestNoChatMarkup(t *testing.T) {
	markup := regexp.MustCompile("<[@#!]|:[a-z0-9_+-]+:|\\*[^* ][^*]*\\*|`")
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fs := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fs, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && markup.MatchString(s) {
				t.Errorf("%s: chat markup in %s", fs.Position(lit.Pos()), lit.Value)
			}
			return true
		})
		if imp := importsSlack(f); imp != "" {
			t.Errorf("%s imports %s", name, imp)
		}
	}
}

func importsSlack(f *ast.File) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); strings.Contains(p, "slack") {
			return p
		}
	}
	return ""
}
