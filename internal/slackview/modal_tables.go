package slackview

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/restore"
)

// The form's third restore type: tables at a point in time. After the
// date-time picker comes a multi-select of the databases and tables that
// existed then (an external select searched from memory, since instances
// hold thousands of tables), a preview of the new names, and an optional
// suffix.

const (
	FieldTables = "tables"
	FieldSuffix = "suffix"
	// previewed is how many new names the form shows.
	previewed = 10
)

// TableChoices are the options for the tables then: db.* for each
// database, then each db.table, filtered by the words of query.
func TableChoices(dbs []restore.Database, query string) []*slack.OptionBlockObject {
	words := strings.Fields(strings.ToLower(query))
	match := func(s string) bool {
		for _, w := range words {
			if !strings.Contains(strings.ToLower(s), w) {
				return false
			}
		}
		return true
	}
	var out []*slack.OptionBlockObject
	add := func(value, label string) bool {
		if match(value) {
			out = append(out, slack.NewOptionBlockObject(value, Plain(Truncate(label, 75)), nil))
		}
		return len(out) < MaxOptions
	}
	for _, d := range dbs {
		if !add(d.Name+".*", fmt.Sprintf("%s.* (all %d tables then)", d.Name, len(d.Tables))) {
			return out
		}
	}
	for _, d := range dbs {
		for _, t := range d.Tables {
			if !add(d.Name+"."+t, d.Name+"."+t) {
				return out
			}
		}
	}
	return out
}

// tablesFormBlocks are the table picker, the preview and the suffix.
func tablesFormBlocks(m FormMeta, v FormValues, d FormData) []slack.Block {
	if v.Time == 0 {
		return []slack.Block{slack.NewContextBlock("", Mrkdwn("Choose the point in time first: the tables that existed then are listed to choose from."))}
	}
	sel := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, Plain("Search databases and tables"), FieldTables)
	minQuery := 0
	sel.MinQueryLength = &minQuery
	for _, t := range v.Tables {
		sel.InitialOptions = append(sel.InitialOptions, slack.NewOptionBlockObject(t, Plain(Truncate(t, 75)), nil))
	}
	hint := fmt.Sprintf("Tables that existed at that time (%d databases). db.* restores every table the database had then.", len(d.Tables))
	b := []slack.Block{dispatching(slack.NewInputBlock(PerSource(FieldTables, m.Source), Plain("Tables to restore"), Plain(hint), sel))}
	if len(v.Tables) > 0 {
		b = append(b, slack.NewContextBlock("preview", Mrkdwn(Truncate(previewNames(v, d), 3000))))
	}
	suffix := slack.NewPlainTextInputBlockElement(Plain(restore.DefaultTableSuffix), FieldSuffix)
	suffix.MaxLength, suffix.InitialValue = 32, v.Suffix
	sb := slack.NewInputBlock(FieldSuffix, Plain("Suffix of the new names"),
		Plain("New names are TABLE_SUFFIX_yyyymmddhhmm (UTC). Nothing existing is changed."), suffix)
	sb.Optional = true
	return append(b, sb)
}

// previewNames shows the new names the chosen tables would get.
func previewNames(v FormValues, d FormData) string {
	at := time.Unix(v.Time, 0).UTC()
	var names []string
	for _, e := range v.Tables {
		db, table, _ := strings.Cut(e, ".")
		if table != "*" {
			names = append(names, fmt.Sprintf("`%s` → `%s.%s`", esc(e), esc(db), esc(restore.NewTableName(table, v.Suffix, at))))
			continue
		}
		for _, dd := range d.Tables {
			if dd.Name == db {
				for _, t := range dd.Tables {
					names = append(names, fmt.Sprintf("`%s.%s` → `%s.%s`", esc(db), esc(t), esc(db), esc(restore.NewTableName(t, v.Suffix, at))))
				}
			}
		}
	}
	shown := names[:min(len(names), previewed)]
	s := fmt.Sprintf("*New names* (%d %s; nothing existing is changed):\n%s", len(names), plural(len(names), "table", "tables"), strings.Join(shown, "\n"))
	if len(names) > len(shown) {
		s += fmt.Sprintf("\n…and %d more", len(names)-len(shown))
	}
	return s
}
