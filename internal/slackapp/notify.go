package slackapp

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/slackview"
)

var _ execution.Reporter = (*App)(nil)

// Report is how execution tells people about a request (execution.Reporter):
// each event is rendered once (slackview.Render) and fanned out by deliver;
// a running job's progress has its own message, updated in place
// (progress.go).
func (a *App) Report(ctx context.Context, r approvals.Request, ev execution.Event) {
	if p, ok := ev.(execution.Progress); ok {
		a.progress(ctx, r, p)
		return
	}
	d, ok := slackview.Render(r, ev)
	if !ok {
		a.log.Error().Str("request_id", r.ID).Str("event", fmt.Sprintf("%T", ev)).Msg("no words for this event; nobody was told")
		return
	}
	a.deliver(ctx, r, d)
}

// deliver is the one fan-out of what a request's change says, for
// execution's events (slackview.Render) and people's decisions — deny,
// approval counted, cancel, freeze, expiry (slackview.RenderDecision): the
// approval message (and with it the Home tabs), the thread, the incident and
// notify channels, and the requester's direct messages, in that order. A
// Delivery's Answer is left to the handler that answers the person.
func (a *App) deliver(ctx context.Context, r approvals.Request, d slackview.Delivery) {
	if d.Refresh {
		a.refresh(ctx, r)
	}
	for _, t := range d.Thread {
		a.thread(ctx, r, t)
	}
	if d.Announce != "" {
		a.announce(ctx, r, d.Announce)
	}
	if d.DM != "" {
		a.dm(ctx, r.Requester, d.DM)
	}
}

// refresh redraws the approval message for the request's current state.
// Every change of a request passes through here, so it also marks the
// Home tabs the change concerns for a publish. The redraw is queued (a
// newer one replaces one still waiting) and retried until it is made.
func (a *App) refresh(ctx context.Context, r approvals.Request) {
	a.homeChanged(r)
	if r.MessageTS == "" {
		return
	}
	a.update(ctx, "approval message update", r.ID, r.Channel, r.MessageTS,
		slack.MsgOptionText(slackview.FallbackText(r), false), slack.MsgOptionBlocks(slackview.ApprovalBlocks(r)...))
}

// thread posts text in the approval message's thread: queued behind what
// the channel already has waiting, and retried until it is sent.
func (a *App) thread(ctx context.Context, r approvals.Request, text string) {
	if r.MessageTS == "" {
		return
	}
	a.post(ctx, "thread reply", r.ID, r.Channel, 0, slack.MsgOptionText(text, false), slack.MsgOptionTS(r.MessageTS))
}

// announce posts one short line in the incident channel, when there is one,
// and in the request's further channels to notify (the channel of the
// message a shortcut started it from), unless that is where its approval
// message and thread already are.
func (a *App) announce(ctx context.Context, r approvals.Request, text string) {
	chans := []string{r.Rule.IncidentChannel}
	for _, ch := range r.Notify {
		if ch != r.Channel && ch != r.Rule.IncidentChannel {
			chans = append(chans, ch)
		}
	}
	for _, ch := range chans {
		if ch == "" {
			continue
		}
		a.post(ctx, "announcement", r.ID, ch, 0, slack.MsgOptionText(text, false))
	}
}

// whisper answers a clicker privately in the channel of the message
// clicked. It is not queued (an answer, not part of a request's record):
// the client waits out a 429 and retries it.
func (a *App) whisper(ctx context.Context, channel, userID, text string) {
	if _, err := a.api.PostEphemeralContext(ctx, channel, userID, slack.MsgOptionText(text, false)); err != nil {
		a.slackFailed("chat.postEphemeral", err)
		a.log.Warn().Err(err).Str("user_id", userID).Msg("could not answer the clicker")
	}
}

// dm writes to a person in their direct-message channel with the bot,
// queued and retried like every message of a request's life.
func (a *App) dm(ctx context.Context, userID, text string) {
	a.sendDM(ctx, userID, slack.MsgOptionText(text, false))
}
