package slackview

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// tablesPerMessage keeps each thread message well inside Slack's limits.
const tablesPerMessage = 15

// tablesReport is what the thread of a completed table restore is told
// after the completion: the tables it created, and (as text; the bot runs
// no SQL) what a DBA would run to compare them with the live tables and
// swap them in. done is when the job was seen ended.
func tablesReport(r approvals.Request, done time.Time) []string {
	ts := r.Params.Tables
	var created strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&created, "• `%s.%s` (restored from `%s.%s` as of %s)\n", esc(t.Database), esc(t.NewName),
			esc(t.Database), esc(t.OldName), stamp(r.Params.RestoreTime()))
	}
	out := []string{fmt.Sprintf(":card_file_box: *%d %s created in %s* (nothing existing was changed):\n%s",
		len(ts), plural(len(ts), "table", "tables"), instanceLabel(r.Params.SourceName, r.Params.SourceID), created.String())}
	for start := 0; start < len(ts); start += tablesPerMessage {
		end := min(start+tablesPerMessage, len(ts))
		var sql strings.Builder
		for _, t := range ts[start:end] {
			live := restore.TableRename{Database: t.Database, OldName: t.OldName, NewName: t.NewName, Live: t.Live}
			sql.WriteString(restore.SwapSQL(live, keepName(t, done)))
		}
		head := "*To compare and swap in* (run by hand, after checking; the bot runs nothing):"
		if len(ts) > tablesPerMessage {
			head = fmt.Sprintf("*To compare and swap in, tables %d to %d of %d* (run by hand, after checking; the bot runs nothing):", start+1, end, len(ts))
		}
		out = append(out, head+"\n```"+esc(sql.String())+"```")
	}
	return out
}

// keepName is where the swap SQL puts the live table aside:
// <table>_replaced_<UTC yyyymmddhhmm of the completion>, within 64
// characters.
func keepName(t approvals.TableRename, done time.Time) string {
	return restore.NewTableName(t.OldName, "replaced", done)
}
