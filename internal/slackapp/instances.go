package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// keepStep is how much longer Keep 24h more keeps an instance.
const keepStep = 24 * time.Hour

// SweepInstances gives the reminders that are due for the instances the bot
// created and deletes those whose time is up, saying so in each request's
// thread (and to the requester). Call it from the one leased sweeper.
func (a *App) SweepInstances(ctx context.Context) {
	if a.opt.NewInstances == nil {
		return
	}
	evs, err := a.opt.NewInstances.Sweep(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("could not sweep the new instances")
		return
	}
	for _, ev := range evs {
		switch ev := ev.(type) {
		case lifetime.Reminder:
			a.remindInstance(ctx, ev)
		case lifetime.Expired:
			a.expiredInstance(ctx, ev)
		}
	}
	a.countInstances(ctx)
}

func (a *App) remindInstance(ctx context.Context, ev lifetime.Reminder) {
	r := ev.Record
	text := fmt.Sprintf(":alarm_clock: <@%s> the new instance `%s` (`%s`) is deleted in %s, at %s. It costs money while it lives.",
		r.Requester, msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.About(ev.Left), msgtext.Stamp(r.Expires))
	keep := slack.NewButtonBlockElement(slackview.ActionKeep, r.RequestID, slackview.Plain("Keep 24h more"))
	keep.Style = slack.StylePrimary
	del := slack.NewButtonBlockElement(slackview.ActionDeleteNow, r.RequestID, slackview.Plain("Delete now"))
	del.Style = slack.StyleDanger
	del.Confirm = slack.NewConfirmationBlockObject(slackview.Plain("Delete the instance now?"),
		slackview.Mrkdwn(slackview.Truncate("Delete `"+msgtext.Esc(r.Name)+"` now. Its data is gone with it.", 300)), slackview.Plain("Delete"), slackview.Plain("Cancel"))
	blocks := []slack.Block{slack.NewSectionBlock(slackview.Mrkdwn(text), nil, nil), slack.NewActionBlock("lifetime", keep, del)}
	a.postInThread(ctx, r, text, blocks...)
}

func (a *App) expiredInstance(ctx context.Context, ev lifetime.Expired) {
	r := ev.Deleted.Record
	if ev.Err != nil {
		text := fmt.Sprintf(":warning: The new instance `%s` (`%s`) expired but was *not* deleted: %s. The bot tries again; check it in the GaussDB console.",
			msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.Esc(ev.Err.Error()))
		if errors.Is(ev.Err, restore.ErrNotOwned) {
			text = refusedWords(r, ev.Err)
		}
		a.postInThread(ctx, r, text)
		return
	}
	a.m.NewInstanceDeleted("expiry")
	a.postInThread(ctx, r, deletedWords(ev.Deleted, "its lifetime ended"))
	a.dm(ctx, r.Requester, deletedWords(ev.Deleted, "its lifetime ended"))
}

// refusedWords say, loudly, that the bot will not delete an instance that
// is no longer provably the one it created for the request.
func refusedWords(r lifetime.Record, err error) string {
	return fmt.Sprintf(":rotating_light: <@%s> *Deletion refused:* instance `%s` (`%s`) does not carry this request's tags or ID any more, so the bot will never delete it: %s. It may still cost money: delete it by hand if it is yours.",
		r.Requester, msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.Esc(err.Error()))
}

func deletedWords(d lifetime.Deleted, why string) string {
	r := d.Record
	if d.Gone {
		return fmt.Sprintf(":wastebasket: The new instance `%s` (`%s`) was already gone; nothing was deleted.", msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID))
	}
	return fmt.Sprintf(":wastebasket: Deleted the new instance `%s` (`%s`): %s (delete job `%s`).", msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), why, msgtext.Esc(d.JobID))
}

// postInThread posts in the thread of the request a record belongs to.
func (a *App) postInThread(ctx context.Context, r lifetime.Record, text string, blocks ...slack.Block) {
	if r.Channel == "" || r.ThreadTS == "" {
		a.dm(ctx, r.Requester, text)
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionTS(r.ThreadTS)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	a.post(ctx, "thread reply", r.RequestID, r.Channel, 0, opts...) // queued, paced, retried (send.go)
}

// lifetimeClick is a click on Keep 24h more or Delete now.
type lifetimeClick struct {
	keep          bool
	home          bool // clicked in the clicker's Home tab: answers go there
	user, channel string
	requestID     string
}

// onLifetimeClick keeps or deletes a request's instance, for its requester
// or one of its rule's approvers.
func (a *App) onLifetimeClick(ctx context.Context, c lifetimeClick) {
	if a.opt.NewInstances == nil {
		return
	}
	tell := func(text string) {
		if c.home {
			a.homes.note(c.user, text)
			return
		}
		a.whisper(ctx, c.channel, c.user, text)
	}
	req, err := a.store.Get(ctx, c.requestID)
	if err != nil {
		tell("Could not read request `" + msgtext.Esc(c.requestID) + "`; try again.")
		return
	}
	ok := c.user == req.Requester
	if !ok {
		if ok, err = a.people.member(ctx, c.user, req.Rule.Approvers); err != nil {
			tell("Could not check who may do this; try again.")
			return
		}
	}
	if !ok {
		tell("Only the requester or an approver of this request may keep or delete its instance.")
		return
	}
	rec, _, _ := a.opt.NewInstances.Registry().Get(ctx, c.requestID)
	if c.keep {
		until, err := a.opt.NewInstances.Keep(ctx, c.requestID, c.user, keepStep)
		switch {
		case errors.Is(err, lifetime.ErrMaxKeep):
			tell(fmt.Sprintf("The instance is already kept as long as the rule allows, until %s.", msgtext.Stamp(until)))
		case err != nil:
			tell("Could not keep the instance: " + msgtext.Esc(err.Error()))
		default:
			a.postInThread(ctx, rec, fmt.Sprintf(":hourglass_flowing_sand: <@%s> kept the new instance `%s` until %s.", c.user, msgtext.Esc(rec.Name), msgtext.Stamp(until)))
		}
		return
	}
	d, err := a.opt.NewInstances.Delete(ctx, c.requestID, c.user)
	if errors.Is(err, restore.ErrNotOwned) {
		a.postInThread(ctx, rec, refusedWords(rec, err))
	}
	if err != nil {
		tell("The instance was not deleted: " + msgtext.Esc(err.Error()))
		return
	}
	a.m.NewInstanceDeleted("asked")
	a.postInThread(ctx, d.Record, deletedWords(d, fmt.Sprintf("<@%s> asked for it", c.user)))
}

// onInstances lists the live instances the bot created.
func (a *App) onInstances(ctx context.Context, u user) {
	if a.opt.NewInstances == nil {
		a.tell(ctx, u, "This bot does not create instances (no cloud credentials).")
		return
	}
	recs, err := a.opt.NewInstances.Registry().Live(ctx)
	if err != nil {
		a.tell(ctx, u, "Could not read the instances; try again.")
		return
	}
	a.tell(ctx, u, instancesText(recs, a.opt.NewInstances.Registry().MaxLive(), a.now()))
}

func instancesText(recs []lifetime.Record, maxLive int, now time.Time) string {
	if len(recs) == 0 {
		return fmt.Sprintf("No instance created by the bot is alive (at most %d may be).", maxLive)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Instances the bot created* (%d of at most %d):\n", len(recs), maxLive)
	for _, r := range recs {
		fmt.Fprintf(&b, "• `%s` (`%s`) · %s · request `%s` by <@%s> · age %s · deleted at %s (in %s)\n",
			msgtext.Esc(r.Name), msgtext.Esc(slackview.OrDash(r.InstanceID)), r.State, msgtext.Esc(r.RequestID), r.Requester,
			msgtext.About(now.Sub(r.Created)), msgtext.Stamp(r.Expires), msgtext.About(r.Expires.Sub(now)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// countInstances sets the live-instance gauge.
func (a *App) countInstances(ctx context.Context) {
	recs, err := a.opt.NewInstances.Registry().Live(ctx)
	if err == nil {
		a.m.NewInstancesLive(len(recs))
	}
}
