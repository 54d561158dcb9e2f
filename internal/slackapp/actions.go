package slackapp

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// routeInteraction acks every interaction at once and returns the work it
// asks for. A click is acked empty: the answer comes as an ephemeral message.
func (a *App) routeInteraction(cb slack.InteractionCallback) (any, func(context.Context)) {
	switch cb.Type {
	case slack.InteractionTypeViewSubmission:
		return a.routeSubmission(cb)
	case slack.InteractionTypeBlockSuggestion:
		return a.routeSuggestion(cb), nil
	case slack.InteractionTypeBlockActions:
		if cb.View.Type == slack.VTHomeTab {
			return a.routeHomeAction(cb)
		}
		if cb.View.ID != "" {
			return a.routeModalAction(cb)
		}
	case slack.InteractionTypeMessageAction:
		return a.routeShortcut(cb)
	default:
		return nil, nil
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil {
			continue
		}
		switch act.ActionID {
		case slackview.ActionApprove, slackview.ActionDeny:
			d := decision{
				approve: act.ActionID == slackview.ActionApprove, user: cb.User.ID,
				channel: cb.Channel.ID, messageTS: cb.Container.MessageTs, value: act.Value,
			}
			return nil, func(ctx context.Context) { a.onDecision(ctx, d) }
		case slackview.ActionKeep, slackview.ActionDeleteNow:
			c := lifetimeClick{keep: act.ActionID == slackview.ActionKeep, user: cb.User.ID, channel: cb.Channel.ID, requestID: act.Value}
			return nil, func(ctx context.Context) { a.onLifetimeClick(ctx, c) }
		}
	}
	return nil, nil
}

// decision is one click on Approve or Deny.
type decision struct {
	approve   bool
	user      string
	channel   string
	messageTS string // the approval message clicked
	value     string // "<request id>|<param hash>"
	home      bool   // clicked in the clicker's Home tab: answers go there
}

// located fills in the approval message's place from the click when the
// store has not recorded it yet (a click within milliseconds of posting).
func (d decision) located(r approvals.Request) approvals.Request {
	return execution.SamePlace(r, approvals.Request{Channel: d.channel, MessageTS: d.messageTS})
}

func (a *App) onDecision(ctx context.Context, d decision) {
	id, hash, _ := strings.Cut(d.value, "|")
	log := a.log.With().Str("request_id", id).Str("user_id", d.user).Bool("approve", d.approve).Logger()
	kind := "deny"
	if d.approve {
		kind = "approve"
	}
	res, err := a.in.Decide(ctx, intake.Click{User: d.user, RequestID: id, SeenHash: hash, Approve: d.approve})
	switch {
	case res.NotDurable:
		log.Error().Err(err).Msg("approval reached the threshold but the Redis replicas did not confirm it: nothing called until they do")
		a.m.Decision(kind, "not_durable")
		a.exec.AwaitConfirmation(ctx, d.located(res.Request))
		return
	case err != nil:
		a.refuseDecision(ctx, d, kind, err)
		return
	}
	req := d.located(res.Request)
	switch {
	case res.Denied:
		log.Info().Msg("request denied")
		a.m.Decision(kind, "done")
		a.deliver(ctx, req, slackview.RenderDecision(req, slackview.Denied{By: d.user, Unconfirmed: res.Unconfirmed}))
	case res.Queued:
		log.Info().Str("waiting_for", res.Request.WaitingFor).Msg("threshold reached; waiting for the instance")
		a.m.Decision(kind, "queued")
		a.exec.Queued(ctx, req)
	case !res.Executing:
		log.Info().Int("approvals", res.Count).Int("required", res.Required).Strs("dropped", res.Dropped).Msg("approval counted")
		a.m.Decision(kind, "counted")
		a.deliver(ctx, req, slackview.RenderDecision(req, slackview.Counted{By: d.user, Count: res.Count, Required: res.Required, Dropped: res.Dropped, Rule: res.Rule}))
	default:
		log.Info().Int("approvals", res.Count).Int("required", res.Required).Bool("executing", true).Msg("approval counted")
		a.m.Decision(kind, "executing")
		a.exec.Execute(ctx, req)
	}
}

// refuseDecision tells the clicker why their click changed nothing, where
// they clicked.
func (a *App) refuseDecision(ctx context.Context, d decision, kind string, err error) {
	a.m.Decision(kind, "refused")
	id, _, _ := strings.Cut(d.value, "|")
	a.log.Info().Err(err).Str("request_id", id).Str("user_id", d.user).Bool("approve", d.approve).Msg("click refused")
	if d.home {
		a.homes.note(d.user, ":warning: "+slackview.Explain(a.log, err))
	} else {
		a.whisper(ctx, d.channel, d.user, slackview.Explain(a.log, err))
	}
	var r *approvals.Refusal
	if errors.As(err, &r) && r.Reason == approvals.ReasonExpired && r.State == approvals.StateExpired {
		// This click's transition expired the request: report it once.
		a.expired(ctx, d.located(r.Request))
	}
}
