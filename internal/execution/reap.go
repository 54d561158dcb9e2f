package execution

import (
	"context"
	"fmt"

	"github.com/dbrestore/db-restore/internal/msgtext"
)

// Reap finds requests left in executing by a replica that died mid-call and
// reports them as outcome unknown. They are never re-submitted: the call may
// have reached GaussDB.
func (e *Executor) Reap(ctx context.Context) {
	reqs, err := e.store.ReapExecuting(ctx)
	if err != nil {
		e.log.Warn().Err(err).Msg("could not check for interrupted submissions")
		return
	}
	for _, r := range reqs {
		e.log.Warn().Str("request_id", r.ID).Msg("interrupted submission marked outcome unknown")
		e.m.Transition(string(r.State))
		e.say.Refresh(ctx, r)
		e.say.Thread(ctx, r, ":grey_question: *Outcome unknown:* the bot stopped while submitting this restore, so it cannot tell whether GaussDB received it. It was *not* retried. Check the target instance's status and recent jobs in the GaussDB console.")
		e.say.Announce(ctx, r, fmt.Sprintf(":grey_question: Restore `%s` has an unknown outcome (the bot stopped while submitting): %s", r.ID, msgtext.What(r)))
	}
}
