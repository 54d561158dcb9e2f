package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// maxProblems bounds how many problems one error lists; past it the file is
// more wrong than a list can help with.
const maxProblems = 20

// Error is a malformed policy file: every problem found, each with the line
// and field at fault and what would be accepted. The bot prints it and stops.
type Error struct {
	Source   string    // the file's path as given to Load or Parse
	Problems []Problem // in file order, at least one
}

// Problem is one thing wrong with a policy file.
type Problem struct {
	Line   int    // 1-based; 0 when the YAML parser did not say
	Column int    // 1-based; 0 when unknown
	Field  string // e.g. rules[1].required_approvals; empty for YAML syntax errors
	Msg    string // what is wrong and what would be accepted
}

// String says where and what, e.g. `line 12, rules[1].required_approvals:
// must be at least 1; got 0`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		b.WriteString("line " + strconv.Itoa(p.Line))
	}
	if p.Field != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	if len(parts) == 1 {
		return fmt.Sprintf("policy file %s, %s", e.Source, parts[0])
	}
	return fmt.Sprintf("policy file %s: %d problems: %s", e.Source, len(parts), strings.Join(parts, "; "))
}
