package execution

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// TableRestorer makes the one table-level restore call (CreateRestoreTables).
// Like Restorer it must never retry on its own. Without one (Options.Tables)
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

func toRestoreRename(t approvals.TableRename) restore.TableRename {
	return restore.TableRename{Database: t.Database, OldName: t.OldName, NewName: t.NewName, Live: t.Live}
}
