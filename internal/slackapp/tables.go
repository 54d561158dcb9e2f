package slackapp

import (
	"context"
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// postRestOfTables lists, in the approval message's thread, the renames the
// message itself had no room for.
func (a *App) postRestOfTables(ctx context.Context, r approvals.Request) {
	ts := r.Params.Tables
	for start := slackview.TablesInMessage; start < len(ts); start += 40 {
		end := min(start+40, len(ts))
		a.thread(ctx, r, fmt.Sprintf("*Old → new names %d to %d of %d*\n%s", start+1, end, len(ts), slackview.RenameLines(ts[start:end])))
	}
}
