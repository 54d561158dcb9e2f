package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds a policy file; a bigger one is surely a wrong path.
const MaxFileSize = 1 << 20

// Load reads and parses the policy file at path. Any problem with the file
// is an *Error naming the line and field at fault.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read policy file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy file %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &Error{Source: path, Problems: []Problem{{Msg: fmt.Sprintf("the file is larger than %d bytes; is this the right file?", MaxFileSize)}}}
	}
	return Parse(data, path)
}

// Parse reads a policy from YAML; source names it in errors. Any problem is
// an *Error listing every line and field at fault.
func Parse(data []byte, source string) (*Policy, error) {
	if source == "" {
		source = "(policy)"
	}
	root, prob := document(data)
	if prob != nil {
		return nil, &Error{Source: source, Problems: []Problem{*prob}}
	}
	p := parser{budget: 2*len(data) + 1000}
	pol := p.policy(root)
	if p.spent != nil { // the rest is noise from the cut-short walk
		p.probs = []Problem{*p.spent}
	}
	if len(p.probs) > 0 {
		if len(p.probs) > maxProblems {
			p.probs = append(p.probs[:maxProblems], Problem{Msg: fmt.Sprintf("and %d more", len(p.probs)-maxProblems)})
		}
		return nil, &Error{Source: source, Problems: p.probs}
	}
	pol.Source = source
	return pol, nil
}

// document decodes exactly one YAML document and returns its root node.
func document(data []byte) (root *yaml.Node, prob *Problem) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	const empty = "the file holds no settings; it needs at least a default rule, e.g. default: {approvers: [U012AB3CD]}"
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil, &Problem{Msg: empty}
	case err != nil:
		return nil, syntaxProblem(data, err)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Problem{Line: next.Line, Msg: "a second YAML document (after ---) is not accepted; put everything in one"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxProblem(data, err)
	}
	if len(doc.Content) != 1 || isNull(doc.Content[0]) {
		return nil, &Problem{Msg: empty}
	}
	return doc.Content[0], nil
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxProblem reports a YAML syntax error at the line that causes it. The
// YAML library's own line number is that of an enclosing construct, often
// one too low, or missing; the line is found instead as the end of the
// shortest prefix of the file that fails with the same message. The
// library's number is never past it, so the search starts there and widens.
func syntaxProblem(data []byte, err error) *Problem {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		m = []string{"", ""}
	}
	msg := strings.TrimPrefix(err.Error(), m[0])
	lines := splitLines(data)
	fails := func(k int) bool {
		e := firstError(bytes.Join(lines[:k], nil))
		return e != nil && yamlLine.ReplaceAllString(e.Error(), "") == msg
	}
	lo, _ := strconv.Atoi(m[1]) // 0 when there is none
	lo = min(max(lo, 1), len(lines))
	hi := lo
	for step := 1; hi < len(lines) && !fails(hi); step *= 2 {
		lo, hi = hi+1, min(hi+step, len(lines))
	}
	for lo < hi { // the first failing prefix lies in [lo, hi]
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return &Problem{Line: hi, Msg: "not valid YAML: " + msg}
}

// splitLines splits data after each line break as YAML counts them: CR LF,
// CR, LF, NEL, LS and PS. There is always at least one line.
func splitLines(data []byte) [][]byte {
	var lines [][]byte
	start := 0
	for i := 0; i < len(data); i++ {
		end := -1
		switch {
		case data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n':
			end = i + 2
		case data[i] == '\r' || data[i] == '\n':
			end = i + 1
		case data[i] == 0xC2 && i+1 < len(data) && data[i+1] == 0x85:
			end = i + 2
		case data[i] == 0xE2 && i+2 < len(data) && data[i+1] == 0x80 && (data[i+2] == 0xA8 || data[i+2] == 0xA9):
			end = i + 3
		}
		if end > 0 {
			lines = append(lines, data[start:end])
			start, i = end, end-1
		}
	}
	if start < len(data) || len(lines) == 0 {
		lines = append(lines, data[start:])
	}
	return lines
}

// firstError is the first error decoding every document in data.
func firstError(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		switch err := dec.Decode(&n); {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
	}
}
