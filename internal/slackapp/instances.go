package slackapp

import (
	"context"
	"errors"
	"fmt"
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
	text, blocks := slackview.InstanceReminder(ev)
	a.postInThread(ctx, r, text, blocks...)
}

func (a *App) expiredInstance(ctx context.Context, ev lifetime.Expired) {
	r := ev.Deleted.Record
	if ev.Err != nil {
		a.postInThread(ctx, r, slackview.NotDeletedWords(r, ev.Err))
		return
	}
	a.m.NewInstanceDeleted("expiry")
	a.postInThread(ctx, r, slackview.DeletedWords(ev.Deleted, "its lifetime ended"))
	a.dm(ctx, r.Requester, slackview.DeletedWords(ev.Deleted, "its lifetime ended"))
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
		a.postInThread(ctx, rec, slackview.RefusedWords(rec, err))
	}
	if err != nil {
		tell("The instance was not deleted: " + msgtext.Esc(err.Error()))
		return
	}
	a.m.NewInstanceDeleted("asked")
	a.postInThread(ctx, d.Record, slackview.DeletedWords(d, fmt.Sprintf("<@%s> asked for it", c.user)))
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
	a.tell(ctx, u, slackview.InstancesText(recs, a.opt.NewInstances.Registry().MaxLive(), a.now()))
}

// countInstances sets the live-instance gauge.
func (a *App) countInstances(ctx context.Context) {
	recs, err := a.opt.NewInstances.Registry().Live(ctx)
	if err == nil {
		a.m.NewInstancesLive(len(recs))
	}
}
