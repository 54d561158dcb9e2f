package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// admission is what the event loop needs to know about an envelope beyond
// its route: which queue its work waits in, the key that makes a second
// delivery of it a no-op, and whose command it counts as.
type admission struct {
	lane  lane
	once  string // "cmd:<trigger_id>", "view:<view_id>:<hash>"; "" for envelopes not deduplicated
	count string // the user whose command this is, for the rate limit; "" when not counted
	reply user   // where to answer a refusal made after the ack
	home  bool   // a click in the Home tab: answers go there
	view  string // a submitted form: answers replace it
}

// admissionOf classifies an envelope without any I/O. Approve, Deny and
// Cancel (buttons in a channel or a Home tab, or `cancel ID`) are
// decisions. Everything that asks for a restore or opens the form (a slash
// command, a form submission, the message shortcut, the Home tab's New
// restore) is counted against its user and admitted once however often
// Slack delivers it.
func admissionOf(evt socketmode.Event) admission {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		sc, _ := evt.Data.(slack.SlashCommand)
		adm := admission{count: sc.UserID, reply: user{id: sc.UserID, channel: sc.ChannelID, responseURL: sc.ResponseURL}}
		adm.once = "cmd:" + sc.TriggerID
		if sc.TriggerID == "" {
			adm.once = "env:" + evt.Request.EnvelopeID
		}
		if cmd, err := command.Parse(sc.Text); err == nil {
			if _, ok := cmd.(command.Cancel); ok {
				adm.lane = laneDecision
			}
		}
		return adm
	case socketmode.EventTypeInteractive:
		cb, _ := evt.Data.(slack.InteractionCallback)
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			return admission{once: "view:" + cb.View.ID + ":" + cb.View.Hash, count: cb.User.ID, reply: user{id: cb.User.ID}, view: cb.View.ID}
		case slack.InteractionTypeMessageAction:
			if cb.CallbackID == ShortcutCallbackID {
				return admission{once: onceKey(cb.TriggerID, evt), count: cb.User.ID,
					reply: user{id: cb.User.ID, channel: cb.Channel.ID, responseURL: cb.ResponseURL}}
			}
		case slack.InteractionTypeBlockActions:
			if cb.View.ID != "" && cb.View.Type != slack.VTHomeTab {
				return admission{} // a change inside the form
			}
			for _, act := range cb.ActionCallback.BlockActions {
				if act == nil {
					continue
				}
				switch act.ActionID {
				case slackview.ActionApprove, slackview.ActionDeny, slackview.ActionHomeCancel: // in a channel or a Home tab
					return admission{lane: laneDecision}
				case slackview.ActionHomeNew:
					return admission{once: onceKey(cb.TriggerID, evt), count: cb.User.ID, reply: user{id: cb.User.ID}, home: true}
				}
			}
		}
	}
	return admission{}
}

// onceKey names an interaction for admitting it once: by its trigger, else
// by its envelope.
func onceKey(trigger string, evt socketmode.Event) string {
	if trigger == "" && evt.Request != nil {
		return "env:" + evt.Request.EnvelopeID
	}
	return "trigger:" + trigger
}

// admitted wraps an envelope's work: it starts once the envelope is acked,
// and is skipped when Redis says the envelope was admitted before (a
// redelivery) or the user went over the command limit on all replicas
// together. When Redis cannot be asked, the work goes ahead: it reaches
// the same Redis and says so itself, and the in-memory limit still holds.
func (a *App) admitted(adm admission, acked <-chan struct{}, job func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		<-acked
		if a.gate == nil || adm.once == "" {
			job(ctx)
			return
		}
		log := a.log.With().Str("user_id", adm.reply.id).Str("envelope_key", adm.once).Logger()
		v, err := a.gate.Admit(ctx, adm.once, adm.count, adm.count != "")
		switch {
		case err != nil:
			log.Warn().Err(err).Msg("could not check the envelope against Redis; handling it")
		case v.Duplicate:
			a.m.Refused("duplicate")
			log.Info().Msg("envelope delivered again; already handled")
			return
		case v.Limited:
			a.m.Refused("rate_limited")
			log.Info().Dur("retry_after", v.RetryAfter).Msg("command refused: over the rate limit")
			a.tellOverLimit(ctx, adm, a.tooManyCommands(v.RetryAfter))
			return
		}
		job(ctx)
	}
}

// overLimit is the ack of an envelope refused by this replica's own count,
// and what tells the person after the ack (nil when the ack says it).
func (a *App) overLimit(evt socketmode.Event, adm admission, retry time.Duration) (any, func(context.Context)) {
	words := a.tooManyCommands(retry)
	if evt.Type == socketmode.EventTypeSlashCommand {
		return reply(words), nil
	}
	if adm.view != "" {
		return formErrors(evt, words), nil // the form stays open with the person's entries
	}
	return nil, func(ctx context.Context) { a.tellOverLimit(ctx, adm, words) }
}

// tellOverLimit answers a refusal where the person asked: in their Home
// tab, in the form they submitted, or privately in the channel.
func (a *App) tellOverLimit(ctx context.Context, adm admission, words string) {
	switch {
	case adm.home:
		a.homes.note(adm.reply.id, words)
	case adm.view != "":
		if _, err := a.api.UpdateViewContext(ctx, slackview.FailedView(words), "", "", adm.view); err != nil {
			a.log.Info().Err(err).Str("view_id", adm.view).Msg("could not show the rate-limit refusal in the form")
		}
	default:
		a.tell(ctx, adm.reply, words)
	}
}

// tooManyCommands is the refusal of a command over the per-user limit:
// what was wrong and when a command will be taken again.
func (a *App) tooManyCommands(retry time.Duration) string {
	return fmt.Sprintf(":hourglass: Too many commands: one person may send %d a minute, and you reached that. This one was not run; try again in %s seconds.",
		a.gate.PerMinute(), limits.Seconds(retry))
}

// busyAck is the ack of an envelope whose queue is full: the person hears
// that nothing was done and to try again, and the loop reads on.
func busyAck(evt socketmode.Event) any {
	const words = "The bot is busy right now and did not take this; nothing was done. Try again in a few seconds."
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		return reply(":hourglass: " + words)
	case socketmode.EventTypeInteractive:
		return formErrors(evt, words) // a click's ack shows nothing; the click is logged
	}
	return nil
}

// formErrors acks a form submission with words next to its first field, so
// that the form stays open with the person's entries; nil for anything else.
func formErrors(evt socketmode.Event, words string) any {
	cb, _ := evt.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeViewSubmission {
		return nil
	}
	for _, b := range cb.View.Blocks.BlockSet {
		if ib, ok := b.(*slack.InputBlock); ok && ib.BlockID != "" {
			return slack.NewErrorsViewSubmissionResponse(map[string]string{ib.BlockID: words})
		}
	}
	return nil
}
