package execution

import (
	"context"
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
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
		e.say.Refresh(ctx, r)
		if r.State != approvals.StateUnknown {
			e.log.Warn().Str("request_id", r.ID).Msg("interrupted execution ended: restore not called")
			e.m.RestoreCall("not_called")
			e.say.Thread(ctx, r, ":x: *Not called:* the bot stopped before calling GaussDB, so nothing was restored. It is safe to request this restore again.")
			e.say.Announce(ctx, r, fmt.Sprintf(":x: Restore `%s` was not called (the bot stopped before calling GaussDB; safe to request again): %s", r.ID, msgtext.What(r)))
			e.say.DM(ctx, r.Requester, fmt.Sprintf(":x: Your restore `%s` was not called: the bot stopped before calling GaussDB. Nothing was restored; it is safe to request it again.", r.ID))
			continue
		}
		e.log.Warn().Str("request_id", r.ID).Msg("interrupted submission marked outcome unknown")
		e.say.Thread(ctx, r, ":grey_question: *Outcome unknown:* the bot stopped while submitting this restore, so it cannot tell whether GaussDB received it. It was *not* retried. Check the target instance's status and recent jobs in the GaussDB console; the bot also looks for the job in GaussDB's job list and says here what it finds.")
		e.say.Announce(ctx, r, fmt.Sprintf(":grey_question: Restore `%s` has an unknown outcome (the bot stopped while submitting): %s", r.ID, msgtext.What(r)))
	}
}
