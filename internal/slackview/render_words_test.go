package slackview

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// slackMarkup is what only the Slack adapter may write: emoji shortcodes,
// mentions and special links, and mrkdwn code and bold.
var slackMarkup = []*regexp.Regexp{
	regexp.MustCompile(`:[a-z0-9_+-]+:`),
	regexp.MustCompile("<[@!#]"),
	regexp.MustCompile("`"),
	regexp.MustCompile(`(^|\s)\*[^*\s][^*]*\*`),
}

// mrkdwnHelpers are msgtext's functions that write Slack markup (its plain
// words, About and Plural, are anyone's).
var mrkdwnHelpers = map[string]bool{"Esc": true, "Instance": true, "Mentions": true, "What": true}

// TestNoSlackWordsInTheEngine reads the non-test Go files of the Slack-free
// packages: none of their string literals may hold Slack markup, and none
// calls msgtext's mrkdwn helpers. Execution reports events;
// their words are rendered here.
func TestNoSlackWordsInTheEngine(t *testing.T) {
	checked := 0
	for _, dir := range []string{"../execution", "../intake"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			checked++
			for _, problem := range slackWordsIn(t, path) {
				t.Error(problem)
			}
		}
	}
	if checked == 0 {
		if _, err := os.Stat("../execution"); err == nil {
			t.Fatal("no Go files found in ../execution")
		}
	}
}

func slackWordsIn(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "msgtext" && mrkdwnHelpers[sel.Sel.Name] {
				problems = append(problems, fset.Position(sel.Pos()).String()+": msgtext."+sel.Sel.Name+" writes Slack mrkdwn")
			}
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for _, re := range slackMarkup {
			if m := re.FindString(s); m != "" {
				problems = append(problems, fset.Position(lit.Pos()).String()+": Slack markup "+strconv.Quote(m)+" in "+lit.Value)
			}
		}
		return true
	})
	return problems
}
