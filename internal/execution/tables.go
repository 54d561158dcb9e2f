package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// TableRestorer makes the one table-level restore call (CreateRestoreTables).
// Like Restorer it must never retry on its own. A Restorer that also
// implements it (as *restore.Client does) makes table restores; without it
// an approved table restore fails without any call.
type TableRestorer interface {
	RestoreTables(ctx context.Context, c restore.TableCall) (jobID string, err error)
}

var errNoTableRestorer = errors.New("this bot's restore client cannot make table restores")

// restoreCall makes the one call the plan needs: a whole-instance restore or
// a table restore. Its errors are classified like restore.Client's.
func (e *Executor) restoreCall(ctx context.Context, plan restore.Plan) (string, error) {
	if plan.Type != restore.TypeTables {
		return e.cloud.Restore(ctx, plan.Call())
	}
	if e.tables == nil {
		return "", errNoTableRestorer // never sent
	}
	return e.tables.RestoreTables(ctx, plan.TableCall())
}

// dryRunDetail is the call a dry run would have made.
func dryRunDetail(plan restore.Plan) string {
	if plan.Type == restore.TypeTables {
		call := plan.TableCall()
		body, _ := json.Marshal(call)
		return "dry run: POST /v3/{project_id}/instances/" + call.InstanceID + "/backups/restore/tables " + string(body)
	}
	body, _ := json.Marshal(plan.Call())
	return "dry run: POST /v3/{project_id}/instances/restore " + string(body)
}

// tablesPerMessage keeps each thread message well inside Slack's limits.
const tablesPerMessage = 15

// reportTables lists, in the thread of a completed table restore, the
// tables it created, and shows (as text; the bot runs no SQL) what a DBA
// would run to compare them with the live tables and swap them in.
func (e *Executor) reportTables(ctx context.Context, r approvals.Request) {
	ts, done := r.Params.Tables, e.now()
	var created strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&created, "• `%s.%s` (restored from `%s.%s` as of %s)\n", msgtext.Esc(t.Database), msgtext.Esc(t.NewName),
			msgtext.Esc(t.Database), msgtext.Esc(t.OldName), msgtext.Stamp(r.Params.RestoreTime()))
	}
	e.say.Thread(ctx, r, fmt.Sprintf(":card_file_box: *%d %s created in %s* (nothing existing was changed):\n%s",
		len(ts), msgtext.Plural(len(ts), "table", "tables"), msgtext.Instance(r.Params.SourceName, r.Params.SourceID), created.String()))
	for start := 0; start < len(ts); start += tablesPerMessage {
		end := min(start+tablesPerMessage, len(ts))
		var sql strings.Builder
		for _, t := range ts[start:end] {
			sql.WriteString(restore.SwapSQL(toRestoreRename(t), keepName(t, done)))
		}
		head := "*To compare and swap in* (run by hand, after checking; the bot runs nothing):"
		if len(ts) > tablesPerMessage {
			head = fmt.Sprintf("*To compare and swap in, tables %d to %d of %d* (run by hand, after checking; the bot runs nothing):", start+1, end, len(ts))
		}
		e.say.Thread(ctx, r, head+"\n```"+msgtext.Esc(sql.String())+"```")
	}
}

// keepName is where the swap SQL puts the live table aside:
// <table>_replaced_<UTC yyyymmddhhmm of the completion>, within 64
// characters.
func keepName(t approvals.TableRename, done time.Time) string {
	return restore.NewTableName(t.OldName, "replaced", done)
}

func toRestoreRename(t approvals.TableRename) restore.TableRename {
	return restore.TableRename{Database: t.Database, OldName: t.OldName, NewName: t.NewName, Live: t.Live}
}
