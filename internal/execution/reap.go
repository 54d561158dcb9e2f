package execution

import (
	"context"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Reap finds requests left in executing by a replica that died, and reports
// them. With the called marker the restore call may have gone out: outcome
// unknown, never re-submitted (Reconcile looks for its job). Without it the
// call was never made: not called, and a new request is safe.
func (e *Executor) Reap(ctx context.Context) {
	reqs, err := e.store.ReapExecuting(ctx)
	if err != nil {
		e.log.Warn().Err(err).Msg("could not check for interrupted submissions")
		return
	}
	for _, r := range reqs {
		e.m.Transition(string(r.State))
		called := r.State == approvals.StateUnknown
		if called {
			e.log.Warn().Str("request_id", r.ID).Msg("interrupted submission marked outcome unknown")
		} else {
			e.log.Warn().Str("request_id", r.ID).Msg("interrupted execution ended: restore not called")
			e.m.RestoreCall("not_called")
		}
		e.say.Report(ctx, r, Interrupted{MayHaveCalled: called})
	}
}
