package slackapp

import (
	"context"
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// SweepRequests expires requests whose time is up, not only when someone
// clicks, and reminds approvers once about requests waiting too long. The
// caller (botrun's sweeper) holds the one sweeper lease; each transition is
// atomic besides, so nothing is reported twice.
func (a *App) SweepRequests(ctx context.Context) {
	expired, err := a.store.ExpireDue(ctx, 100)
	if err != nil {
		a.log.Warn().Err(err).Msg("expiry sweep failed")
	}
	for _, r := range expired {
		a.expired(ctx, r)
	}
	due, err := a.store.DueReminders(ctx, a.opt.RemindAfter, 100)
	if err != nil {
		a.log.Warn().Err(err).Msg("reminder sweep failed")
	}
	for _, r := range due {
		a.remind(ctx, r)
	}
}

// remind nudges the approvers once in the request's thread.
func (a *App) remind(ctx context.Context, r approvals.Request) {
	a.log.Info().Str("request_id", r.ID).Msg("approvers reminded")
	a.thread(ctx, r, fmt.Sprintf(":bell: %s: restore `%s` is still waiting for %d approval(s); it expires at %s.",
		msgtext.Mentions(r.Rule.Approvers), r.ID, r.Rule.Required()-len(r.Approvals), msgtext.Stamp(r.ExpiresAt)))
}

func (a *App) expired(ctx context.Context, r approvals.Request) {
	a.log.Info().Str("request_id", r.ID).Msg("request expired")
	a.m.Transition(string(approvals.StateExpired))
	if r.WaitingFor != "" { // approved, but its instance was held until now
		d, _ := slackview.RenderQueue(r, execution.QueueExpired{WaitingFor: r.WaitingFor})
		a.deliver(ctx, r, d)
		return
	}
	a.deliver(ctx, r, slackview.RenderDecision(r, slackview.Expired{}))
}
