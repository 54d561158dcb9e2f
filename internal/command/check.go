package command

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkWord checks an ID or name: one word of visible characters.
func checkWord(label, v string) error {
	if strings.IndexFunc(v, unicode.IsSpace) >= 0 {
		return usageErr("%s %s must be one word: an ID or name without spaces", label, show(v))
	}
	if strings.IndexFunc(v, invisible) >= 0 {
		return usageErr("%s %s contains a control or invisible character; retype it", label, show(v))
	}
	if n := utf8.RuneCountInString(v); n > MaxIDLen {
		return usageErr("%s is too long: %d characters, at most %d", label, n, MaxIDLen)
	}
	return nil
}

// checkText checks free text. Line breaks and tabs are allowed when
// multiline; bidirectional overrides never are, since they can make a
// message read differently from what was approved.
func checkText(label, v string, max int, multiline bool) error {
	if n := utf8.RuneCountInString(v); n > max {
		return usageErr("%s is too long: %d characters, at most %d; put details in a ticket and give ticket=", label, n, max)
	}
	bad := func(r rune) bool {
		if multiline && (r == '\n' || r == '\t') {
			return false
		}
		return unicode.IsControl(r) || isBidiControl(r)
	}
	if strings.IndexFunc(v, bad) >= 0 {
		return usageErr("%s contains a control character; retype it", label)
	}
	return nil
}

// invisible reports control and format characters (zero-width spaces,
// bidirectional marks and the like), which have no place in an ID.
func invisible(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

func isBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// String is the request as command text, in a fixed field order, which
// Parse reads back into the same request.
func (r Request) String() string {
	var b strings.Builder
	add := func(key, v string, always bool) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(quoteValue(v, always))
	}
	add("source", r.Source, false)
	add("target", r.Target, false)
	if r.NewInstance {
		add("target", "new", false)
		add("name", r.Name, false)
		if r.Keep != 0 {
			add("keep", formatKeep(r.Keep), false)
		}
	}
	add("backup", r.BackupID, false)
	add("time", r.Time, false)
	add("tables", strings.Join(r.Tables, ","), false)
	add("suffix", r.Suffix, false)
	add("reason", r.Reason, true)
	add("ticket", r.Ticket, true)
	add("break_glass", r.BreakGlass, true)
	return b.String()
}

// quoteValue writes v so that lex reads it back: bare when it is one plain
// word, else in straight quotes with backslashes and straight quotes escaped.
func quoteValue(v string, always bool) string {
	special := func(r rune) bool { return unicode.IsSpace(r) || isQuote(r) || r == '\\' }
	if !always && strings.IndexFunc(v, special) < 0 {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
