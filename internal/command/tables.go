package command

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIdentLen is MySQL's limit on database and table names.
const maxIdentLen = 64

// splitTables reads the tables= list: comma-separated db.table or db.*
// entries; blanks between commas are ignored and repeats dropped.
func splitTables(v string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, e := range strings.Split(v, ",") {
		e = strings.TrimSpace(e)
		if e == "" || seen[e] {
			continue
		}
		db, table, ok := strings.Cut(e, ".")
		if !ok || strings.Contains(table, ".") {
			return nil, usageErr("tables= entry %s is not database.table: write each table as database.table, "+
				"or database.* for every table the database had at TIME, e.g. %s", show(e), example("tables"))
		}
		if err := checkIdent("database", e, db); err != nil {
			return nil, err
		}
		if table != "*" {
			if err := checkIdent("table", e, table); err != nil {
				return nil, err
			}
		}
		seen[e] = true
		out = append(out, e)
		if len(out) > MaxTableEntries {
			return nil, usageErr("tables= lists more than %d entries; split the restore into several requests", MaxTableEntries)
		}
	}
	if len(out) == 0 {
		return nil, usageErr("tables= names no table, e.g. %s", example("tables"))
	}
	return out, nil
}

// checkIdent checks a database or table name the way MySQL takes it in
// backquotes, limited to letters, digits, _, $ and - so it can be shown
// and quoted safely.
func checkIdent(what, entry, name string) error {
	n := utf8.RuneCountInString(name)
	if n == 0 || n > maxIdentLen {
		return usageErr("tables= entry %s: the %s name must have 1 to %d characters", show(entry), what, maxIdentLen)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '$' && r != '-' {
			return usageErr("tables= entry %s: the %s name contains %s; names are letters, digits, _, $ and -", show(entry), what, show(string(r)))
		}
	}
	return nil
}

// checkSuffix checks suffix=: 1 to 32 letters, digits and _.
func checkSuffix(v string) error {
	t := strings.Trim(v, "_")
	if t == "" || utf8.RuneCountInString(t) > 32 {
		return usageErr("suffix= must have 1 to 32 letters, digits or _, e.g. %s", example("suffix"))
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return usageErr("suffix= contains %s; use letters, digits and _, e.g. %s", show(string(r)), example("suffix"))
		}
	}
	return nil
}

// checkTableRequest checks the fields of a table-level restore.
func checkTableRequest(req Request) (Command, error) {
	switch {
	case len(req.Tables) == 0:
		return nil, usageErr("suffix= only goes with tables=, e.g. %s %s", example("tables"), example("suffix"))
	case req.Target != "":
		return nil, usageErr("target= cannot be used with tables=: a table restore always puts the tables back into " +
			"the source instance under new names, so nothing existing is overwritten; remove target=")
	case req.BackupID != "":
		return nil, usageErr("tables= restores tables as of a point in time: give time= instead of backup=, e.g. %s", example("time"))
	}
	var missing []string
	if req.Source == "" {
		missing = append(missing, "source= (the instance the tables are in)")
	}
	if req.Time == "" {
		missing = append(missing, "time= (the point in time to restore the tables as of)")
	}
	if req.Reason == "" {
		missing = append(missing, "reason= (why the restore is needed)")
	}
	if len(missing) > 0 {
		return nil, usageErr("missing %s, e.g. source=orders-prod tables=\"shop.orders\" time=\"2026-11-26 09:30\" reason=\"rows deleted by job 4412\"",
			joinAnd(missing))
	}
	return req, nil
}
