package command

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one whitespace-separated word of the command text, with quotes
// removed and escapes applied.
type token struct {
	key    string // text before the first unquoted '=', as typed; valid when hasKey
	hasKey bool
	value  string // the rest (or the whole word when !hasKey), unquoted
	quoted bool   // some part of the word was in quotes
	start  int    // byte offsets of the word in the text
	end    int
}

// raw is the word as typed, for messages.
func (t token) raw(text string) string { return text[t.start:t.end] }

// Quote marks. A straight quote closes only a straight quote; the smart
// quotes Slack clients substitute close each other, so “…”, ”…” and “…“ all
// work, and a quote of the other kind inside is literal.
const (
	straightQuote = '"'
	leftQuote     = '“'
	rightQuote    = '”'
)

func isQuote(r rune) bool { return r == straightQuote || r == leftQuote || r == rightQuote }

func closes(open, r rune) bool {
	if open == straightQuote {
		return r == straightQuote
	}
	return r == leftQuote || r == rightQuote
}

// lex splits text into tokens. Whitespace separates tokens except inside
// quotes; inside quotes a backslash escapes a quote mark or a backslash and
// is literal before anything else. text must be valid UTF-8.
func lex(text string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i >= len(text) {
			return toks, nil
		}
		tok, next, err := lexWord(text, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
		i = next
	}
}

// lexWord reads the word starting at byte i and returns it with the offset
// just past it.
func lexWord(text string, i int) (token, int, error) {
	tok := token{start: i}
	var b strings.Builder
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			tok.end = i
			tok.value = b.String()
			return tok, i, nil
		case isQuote(r):
			next, err := lexQuoted(text, i, &b)
			if err != nil {
				return token{}, 0, err
			}
			tok.quoted = true
			i = next
			continue
		case r == '=' && !tok.hasKey && !tok.quoted:
			tok.hasKey = true
			tok.key = b.String()
			b.Reset()
		default:
			b.WriteRune(r)
		}
		i += size
	}
	tok.end = i
	tok.value = b.String()
	return tok, i, nil
}

// lexQuoted reads the quoted part that opens at byte i into b and returns the
// offset just past its closing quote.
func lexQuoted(text string, i int, b *strings.Builder) (int, error) {
	start := i
	open, size := utf8.DecodeRuneInString(text[i:])
	i += size
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\\' && i+size < len(text) {
			next, nsize := utf8.DecodeRuneInString(text[i+size:])
			if isQuote(next) || next == '\\' {
				b.WriteRune(next)
				i += size + nsize
				continue
			}
		}
		if closes(open, r) {
			return i + size, nil
		}
		b.WriteRune(r)
		i += size
	}
	return 0, usageErr("unterminated quote at %s: close a value with the same kind of quote mark it opens with "+
		"(\"…\" or “…”) and write \\\" for a quote inside it", show(text[start:]))
}

// show quotes user text for a message, cut to a readable length.
func show(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		rs := []rune(s)
		s = string(rs[:max]) + "…"
	}
	return strconv.Quote(s)
}
