package command

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// requestFields lists the fields of a restore request, for messages.
const requestFields = "source=, target=, backup=, time=, tables=, suffix=, name=, keep=, reason=, ticket=, break_glass="

// verbs lists the other commands, for messages.
const verbs = "help, instances, list [PAGE], status ID, cancel ID, policy INSTANCE, freeze on \"why\", freeze off, reviews, review ID, review ID done \"note\", drills, drill NAME now"

// maxPage bounds list pages; nobody pages further by hand.
const maxPage = 1000

// Parse reads the text typed after /db-restore. Empty text gives Open; a
// refusal is always a *UsageError. Keys and command words are
// case-insensitive and fields may come in any order.
func Parse(text string) (Command, error) {
	if !utf8.ValidString(text) {
		return nil, usageErr("the command text is not valid UTF-8; retype it")
	}
	text = strings.TrimSpace(slackUnescaper.Replace(text))
	if text == "" {
		return Open{}, nil
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	first := toks[0]
	if first.hasKey {
		return parseRequest(text, toks)
	}
	verb := strings.ToLower(first.value)
	if first.quoted {
		verb = "" // a quoted word is never a command
	}
	return parseVerb(text, verb, first, toks[1:])
}

// parseVerb parses the command named verb, whose word is first.
func parseVerb(text, verb string, first token, args []token) (Command, error) {
	switch verb {
	case "help":
		return Help{}, nil
	case "list":
		return parseList(args)
	case "review":
		return parseReview(text, args)
	case "status", "cancel":
		id, err := oneWord(verb, "a request ID", args)
		switch {
		case err != nil:
			return nil, err
		case verb == "status":
			return Status{ID: id}, nil
		case verb == "cancel":
			return Cancel{ID: id}, nil
		}
	case "policy":
		inst, err := oneWord(verb, "an instance ID or name", args)
		if err != nil {
			return nil, err
		}
		return Policy{Instance: inst}, nil
	case "freeze":
		return parseFreeze(text, args)
	case "instances":
		if len(args) > 0 {
			return nil, usageErr("instances takes nothing after it")
		}
		return Instances{}, nil
	case "drills":
		if len(args) > 0 {
			return nil, usageErr("drills takes nothing after it; to run one now write drill NAME now")
		}
		return Drills{}, nil
	case "drill":
		return parseDrill(args)
	case "reviews":
		if len(args) > 0 {
			return nil, usageErr("reviews takes nothing after it; to see one request write review ID")
		}
		return Reviews{}, nil
	}
	if (&Request{}).field(verb) != nil { // "source = x" or "source x"
		return nil, fieldWithoutEquals(first.raw(text))
	}
	return nil, usageErr("unknown command %s: use %s, or request a restore with source=, backup= or time=, and reason=",
		show(first.raw(text)), verbs)
}

func parseList(args []token) (Command, error) {
	switch {
	case len(args) == 0:
		return List{Page: 1}, nil
	case len(args) > 1 || args[0].hasKey:
		return nil, usageErr("list takes at most a page number, e.g. list 2")
	}
	v := args[0].value
	n, err := strconv.Atoi(v)
	if err != nil || !isDigits(v) || n < 1 || n > maxPage {
		return nil, usageErr("list page %s is not a number from 1 to %d, e.g. list 2", show(v), maxPage)
	}
	return List{Page: n}, nil
}

// oneWord reads the single argument of verb, described as what.
func oneWord(verb, what string, args []token) (string, error) {
	switch {
	case len(args) == 0:
		return "", usageErr("%s needs %s, e.g. %s %s", verb, what, verb, placeholder(verb))
	case len(args) > 1 || args[0].hasKey:
		return "", usageErr("%s takes just %s, e.g. %s %s", verb, what, verb, placeholder(verb))
	}
	v := strings.TrimSpace(args[0].value)
	if v == "" {
		return "", usageErr("%s needs %s, e.g. %s %s", verb, what, verb, placeholder(verb))
	}
	return v, checkWord(verb, v)
}

func placeholder(verb string) string {
	if verb == "policy" {
		return "INSTANCE"
	}
	return "ID"
}

// parseReview reads `review ID` and `review ID done "note"`.
func parseReview(text string, args []token) (Command, error) {
	const want = "review takes a request ID, and done \"note\" to mark it reviewed, e.g. review ID done \"break-glass was justified: primary down\""
	if len(args) <= 1 {
		id, err := oneWord("review", "a request ID", args)
		if err != nil {
			return nil, err
		}
		return Review{ID: id}, nil
	}
	id, err := oneWord("review", "a request ID", args[:1])
	if err != nil {
		return nil, err
	}
	if args[1].hasKey || args[1].quoted || strings.ToLower(args[1].value) != "done" {
		return nil, usageErr(want)
	}
	note, err := freeText(text, args[2:], "note")
	switch {
	case err != nil:
		return nil, err
	case note == "":
		return nil, usageErr("review ID done needs a note saying what you found, e.g. review ID done \"break-glass was justified: primary down\"")
	}
	if err := checkText("the review note", note, MaxReasonLen, true); err != nil {
		return nil, err
	}
	return Review{ID: id, Done: true, Note: note}, nil
}

// freeText reads the free text after a command's words: one quoted value,
// key=value with the given key, or unquoted words kept as typed and
// single-spaced. It is trimmed; empty when nothing was given.
func freeText(text string, rest []token, key string) (string, error) {
	var v string
	switch {
	case len(rest) == 1 && rest[0].hasKey:
		if strings.ToLower(rest[0].key) != key {
			return "", usageErr("unknown field %s: give just the %s, in quotes", show(rest[0].key), key)
		}
		v = rest[0].value
	case len(rest) == 1:
		v = rest[0].value
	case len(rest) > 1:
		words := make([]string, len(rest))
		for i, tk := range rest {
			words[i] = tk.raw(text)
		}
		v = strings.Join(words, " ")
	}
	return strings.TrimSpace(v), nil
}

func parseFreeze(text string, args []token) (Command, error) {
	const want = "freeze needs on \"why\" or off, e.g. freeze on \"schema migration until 18:00\""
	if len(args) == 0 || args[0].hasKey || args[0].quoted {
		return nil, usageErr(want)
	}
	switch strings.ToLower(args[0].value) {
	case "off":
		if len(args) > 1 {
			return nil, usageErr("freeze off takes nothing after it")
		}
		return Freeze{On: false}, nil
	case "on":
	default:
		return nil, usageErr(want)
	}
	rest := args[1:]
	var reason string
	switch {
	case len(rest) == 1 && rest[0].hasKey:
		if strings.ToLower(rest[0].key) != "reason" {
			return nil, usageErr("unknown field %s: freeze on takes just a reason, e.g. freeze on \"schema migration until 18:00\"",
				show(rest[0].key))
		}
		reason = rest[0].value
	case len(rest) == 1:
		reason = rest[0].value
	case len(rest) > 1: // unquoted words: keep them as typed, single-spaced
		words := make([]string, len(rest))
		for i, tk := range rest {
			words[i] = tk.raw(text)
		}
		reason = strings.Join(words, " ")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, usageErr("freeze on needs a reason, e.g. freeze on \"schema migration until 18:00\"")
	}
	if err := checkText("the freeze reason", reason, MaxReasonLen, true); err != nil {
		return nil, err
	}
	return Freeze{On: true, Reason: reason}, nil
}

func parseRequest(text string, toks []token) (Command, error) {
	var (
		req        Request
		tablesText string
		keepText   string
	)
	seen := make(map[string]bool, len(toks))
	for i, tk := range toks {
		if !tk.hasKey {
			return nil, strayWord(text, toks[i-1], tk) // toks[0] has a key
		}
		key := strings.ToLower(tk.key)
		dst := req.field(key)
		if key == "tables" {
			dst = &tablesText
		}
		if key == "keep" {
			dst = &keepText
		}
		switch {
		case key == "":
			return nil, usageErr("%s has no field name before =: use %s", show(tk.raw(text)), requestFields)
		case dst == nil:
			return nil, usageErr("unknown field %s: use %s", show(tk.key), requestFields)
		case seen[key]:
			return nil, usageErr("%s= is given twice: give each field once", key)
		}
		seen[key] = true
		v, err := checkValue(key, tk)
		if err != nil {
			return nil, err
		}
		*dst = v
	}
	if strings.EqualFold(req.Target, "new") || seen["name"] || seen["keep"] {
		return checkNewInstanceRequest(req, seen, keepText)
	}
	if seen["tables"] || seen["suffix"] {
		req.Tables, _ = splitTables(tablesText) // checked by checkValue
		return checkTableRequest(req)
	}
	if req.BackupID != "" && req.Time != "" {
		return nil, usageErr("give backup= or time=, not both: backup= restores a backup, time= restores to a point in time")
	}
	if missing := missingWhole(req); len(missing) > 0 {
		return nil, usageErr("missing %s, e.g. source=orders-prod backup=BACKUP_ID reason=\"recover rows deleted by job 4412\"",
			joinAnd(missing))
	}
	return req, nil
}

// missingWhole lists what a whole-instance restore needs and lacks.
func missingWhole(req Request) []string {
	var missing []string
	if req.Source == "" {
		missing = append(missing, "source= (the instance to restore from)")
	}
	if req.BackupID == "" && req.Time == "" {
		missing = append(missing, "backup= or time= (what to restore)")
	}
	if req.Reason == "" {
		missing = append(missing, "reason= (why the restore is needed)")
	}
	return missing
}

// field is where the value of key goes, or nil for an unknown key.
func (r *Request) field(key string) *string {
	switch key {
	case "source":
		return &r.Source
	case "target":
		return &r.Target
	case "backup":
		return &r.BackupID
	case "time":
		return &r.Time
	case "reason":
		return &r.Reason
	case "ticket":
		return &r.Ticket
	case "break_glass":
		return &r.BreakGlass
	case "tables":
		return new(string) // a list: parseRequest reads it into Tables
	case "suffix":
		return &r.Suffix
	case "name":
		return &r.Name
	case "keep":
		return new(string) // a duration: parseRequest reads it into Keep
	}
	return nil
}

// strayWord explains a word without key= that follows the field prev.
func strayWord(text string, prev, tk token) error {
	word := tk.raw(text)
	if (&Request{}).field(strings.ToLower(word)) != nil {
		return fieldWithoutEquals(word)
	}
	return usageErr("unexpected %s after %s: every field is key=value, and a value with spaces must be in quotes, "+
		"e.g. reason=\"recover rows deleted by job 4412\"", show(word), show(prev.raw(text)))
}

func fieldWithoutEquals(word string) error {
	return usageErr("%s needs = right after it, with no spaces, e.g. %s", show(word), example(strings.ToLower(word)))
}

// checkValue trims and checks the value of one request field.
func checkValue(key string, tk token) (string, error) {
	v := strings.TrimSpace(tk.value)
	if v == "" {
		if tk.quoted && (key == "reason" || key == "break_glass") {
			return "", usageErr("%s= is empty: say why, e.g. %s", key, example(key))
		}
		return "", usageErr("missing value for %s= (no space after =), e.g. %s", key, example(key))
	}
	switch key {
	case "source", "target", "backup":
		return v, checkWord(key+"=", v)
	case "time":
		if utf8.RuneCountInString(v) > 64 {
			return "", usageErr("time= is too long: %s", TimeUsage)
		}
		// UTC has no daylight-saving gaps, so this checks the syntax only;
		// the caller reads the time again in the requester's zone.
		if _, err := ParseTime(v, time.UTC); err != nil {
			return "", usageErr("%s", err.Error())
		}
		return v, nil
	case "ticket":
		return v, checkText("ticket=", v, MaxTicketLen, false)
	case "tables":
		if utf8.RuneCountInString(v) > MaxTablesLen {
			return "", usageErr("tables= is too long: at most %d characters; split the restore into several requests", MaxTablesLen)
		}
		_, err := splitTables(v)
		return v, err
	case "suffix":
		return v, checkSuffix(v)
	case "name":
		return v, checkWord("name=", v)
	case "keep":
		_, err := parseKeep(v)
		return v, err
	default: // reason, break_glass
		return v, checkText(key+"=", v, MaxReasonLen, true)
	}
}

func example(key string) string {
	switch key {
	case "source":
		return "source=orders-prod"
	case "target":
		return "target=orders-restore"
	case "backup":
		return "backup=BACKUP_ID"
	case "time":
		return "time=\"2026-11-26 09:30\""
	case "ticket":
		return "ticket=\"INC-981\""
	case "break_glass":
		return "break_glass=\"outage, approvers unreachable\""
	case "tables":
		return "tables=\"shop.orders,shop.payments\""
	case "suffix":
		return "suffix=\"before_bug\""
	case "name":
		return "name=orders-look"
	case "keep":
		return "keep=36h"
	}
	return "reason=\"recover rows deleted by job 4412\""
}

func joinAnd(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
