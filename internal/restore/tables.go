package restore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TypeTables is a table-level point-in-time restore: chosen tables come back
// into the source instance under new names, and nothing existing changes.
const TypeTables = "tables"

// MaxIdentifierLen is MySQL's limit on database and table names, in
// characters.
const MaxIdentifierLen = 64

// DefaultMaxTables is how many tables one request may restore when
// RESTORE_MAX_TABLES is not set.
const DefaultMaxTables = 100

// DefaultTableSuffix is the word in a new table name when no suffix= is
// given.
const DefaultTableSuffix = "restored"

// maxSuffixLen keeps room for the table name in a new name.
const maxSuffixLen = 32

// Database is one database and its tables, as the table APIs list them.
type Database struct {
	Name   string
	Tables []string
}

// TableRename is one table restored under a new name in its database.
type TableRename struct {
	Database string `json:"database"`
	OldName  string `json:"old_name"`
	NewName  string `json:"new_name"`
	// Live says the table also exists today (when the request was checked):
	// the swap then keeps it aside; otherwise (a dropped table) the restored
	// table just takes its name back. It is not sent to the API.
	Live bool `json:"live,omitempty"`
}

// Old is the restored table as database.table.
func (r TableRename) Old() string { return r.Database + "." + r.OldName }

// New is the new table as database.table.
func (r TableRename) New() string { return r.Database + "." + r.NewName }

// TableCall is the exact body of one CreateRestoreTables call.
type TableCall struct {
	InstanceID    string        `json:"instance_id"`
	RestoreTimeMs int64         `json:"restore_time"`
	Tables        []TableRename `json:"restore_tables"`
}

// check refuses a call the API would refuse anyway, before anything is sent.
func (c TableCall) check() error {
	switch {
	case c.InstanceID == "":
		return fmt.Errorf("an instance ID is required")
	case c.RestoreTimeMs <= 0:
		return fmt.Errorf("a restore time is required")
	case len(c.Tables) == 0:
		return fmt.Errorf("at least one table is required")
	}
	for _, t := range c.Tables {
		if t.Database == "" || t.OldName == "" || t.NewName == "" || t.OldName == t.NewName {
			return fmt.Errorf("table %s: database, old name and a different new name are required", t.Old())
		}
	}
	return nil
}

// NewTableName is the default new name of a restored table:
// <table>_<suffix>_<UTC yyyymmddhhmm of the restore time>, within MySQL's
// 64 characters. A table name too long to fit is cut and followed by six
// hex characters of its hash, so two long names never meet.
func NewTableName(table, suffix string, at time.Time) string {
	suffix = strings.Trim(suffix, "_")
	if suffix == "" {
		suffix = DefaultTableSuffix
	}
	tail := "_" + suffix + "_" + at.UTC().Format("200601021504")
	room := MaxIdentifierLen - utf8.RuneCountInString(tail)
	if utf8.RuneCountInString(table) <= room {
		return table + tail
	}
	sum := sha256.Sum256([]byte(table))
	mark := "_" + hex.EncodeToString(sum[:3])
	rs := []rune(table)
	return string(rs[:room-len(mark)]) + mark + tail
}

// CheckIdentifier checks a database or table name as a person typed it:
// 1 to 64 letters, digits, _, $ or -, as MySQL accepts them in backquotes.
func CheckIdentifier(name string) error {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return fmt.Errorf("the name is empty")
	case n > MaxIdentifierLen:
		return fmt.Errorf("%q is %d characters long; MySQL allows %d", name, n, MaxIdentifierLen)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '$' && r != '-' {
			return fmt.Errorf("%q contains %q; names are letters, digits, _, $ and -", name, r)
		}
	}
	return nil
}

// CheckSuffix checks a suffix= value: letters, digits and _, at most 32.
func CheckSuffix(s string) error {
	t := strings.Trim(s, "_")
	if t == "" || utf8.RuneCountInString(t) > maxSuffixLen {
		return fmt.Errorf("suffix %q must have 1 to %d letters, digits or _", s, maxSuffixLen)
	}
	for _, r := range t {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' {
			return fmt.Errorf("suffix %q contains %q; use letters, digits and _", s, r)
		}
	}
	return nil
}

// SortRenames orders renames by database, then old name, so equal
// selections give equal calls (and equal parameter hashes).
func SortRenames(rs []TableRename) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Database != rs[j].Database {
			return rs[i].Database < rs[j].Database
		}
		return rs[i].OldName < rs[j].OldName
	})
}

// QuoteIdent writes a MySQL identifier in backquotes, doubling any
// backquote inside.
func QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// SwapSQL is SQL a DBA can run by hand (the bot never runs it) to compare
// a restored table with the live one and, once satisfied, swap it in with
// RENAME TABLE, keeping the live table aside as keepAs. For a table that no
// longer exists the restored one simply takes its name back.
func SwapSQL(r TableRename, keepAs string) string {
	db := QuoteIdent(r.Database)
	oldT, newT, keep := db+"."+QuoteIdent(r.OldName), db+"."+QuoteIdent(r.NewName), db+"."+QuoteIdent(keepAs)
	var b strings.Builder
	if !r.Live {
		fmt.Fprintf(&b, "SELECT COUNT(*) AS restored_rows FROM %s;\n", newT)
		fmt.Fprintf(&b, "RENAME TABLE %s TO %s;\n", newT, oldT)
		return b.String()
	}
	fmt.Fprintf(&b, "SELECT (SELECT COUNT(*) FROM %s) AS live_rows, (SELECT COUNT(*) FROM %s) AS restored_rows;\n", oldT, newT)
	fmt.Fprintf(&b, "CHECKSUM TABLE %s, %s;\n", oldT, newT)
	fmt.Fprintf(&b, "RENAME TABLE %s TO %s, %s TO %s;\n", oldT, keep, newT, oldT)
	return b.String()
}
