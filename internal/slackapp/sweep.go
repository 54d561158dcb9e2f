package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// reap finds requests left in executing by a replica that died mid-call and
// reports them as outcome unknown. They are never re-submitted: the call may
// have reached GaussDB.
func (a *App) reap(ctx context.Context) {
	reqs, err := a.store.ReapExecuting(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("could not check for interrupted submissions")
		return
	}
	for _, r := range reqs {
		a.log.Warn().Str("request_id", r.ID).Msg("interrupted submission marked outcome unknown")
		a.refresh(ctx, r)
		a.thread(ctx, r, ":grey_question: *Outcome unknown:* the bot stopped while submitting this restore, so it cannot tell whether GaussDB received it. It was *not* retried. Check the target instance's status and recent jobs in the GaussDB console.")
		a.announce(ctx, r, fmt.Sprintf(":grey_question: Restore `%s` has an unknown outcome (the bot stopped while submitting): %s", r.ID, whatLine(r)))
	}
}

// sweep expires requests when their time is up, not only when someone
// clicks, and reaps interrupted submissions, until ctx ends. Each expiry is
// made by one atomic transition, so with several replicas each request is
// reported once.
func (a *App) sweep(ctx, work context.Context) {
	t := time.NewTicker(a.opt.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		expired, err := a.store.ExpireDue(work, 100)
		if err != nil {
			a.log.Warn().Err(err).Msg("expiry sweep failed")
		}
		for _, r := range expired {
			a.expired(work, r)
		}
		a.reap(work)
	}
}

func (a *App) expired(ctx context.Context, r approvals.Request) {
	a.log.Info().Str("request_id", r.ID).Msg("request expired")
	a.refresh(ctx, r)
	a.thread(ctx, r, fmt.Sprintf(":alarm_clock: Expired at %s without enough approvals. Nothing will be restored; the requester can ask again.", stamp(r.ExpiresAt)))
	a.announce(ctx, r, fmt.Sprintf(":alarm_clock: Restore `%s` expired unapproved: %s", r.ID, whatLine(r)))
}
