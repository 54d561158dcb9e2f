package slackapp

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// The App Home tab: published on app_home_opened and after every change
// that concerns the person (see homeBoard for the pace). Its Approve and
// Deny buttons are the approval message's own (onDecision); Cancel and New
// restore are handled here.

// routeEvent acks an Events API envelope; app_home_opened asks for the
// person's Home tab to be published.
func (a *App) routeEvent(evt socketmode.Event) (any, func(context.Context)) {
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok || ev.Type != slackevents.CallbackEvent {
		return nil, nil
	}
	opened, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || opened.Tab != "home" || opened.User == "" {
		return nil, nil
	}
	user := opened.User
	return nil, func(context.Context) { a.homes.opened(user) }
}

// routeHomeAction answers a click in a Home tab: an empty ack, then the work.
func (a *App) routeHomeAction(cb slack.InteractionCallback) (any, func(context.Context)) {
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil {
			continue
		}
		user, value := cb.User.ID, act.Value
		switch act.ActionID {
		case slackview.ActionApprove, slackview.ActionDeny:
			d := decision{approve: act.ActionID == slackview.ActionApprove, user: user, value: value, home: true}
			return nil, func(ctx context.Context) {
				a.onDecision(ctx, d)
				a.homes.want(user, true)
			}
		case slackview.ActionHomeCancel:
			return nil, func(ctx context.Context) { a.onHomeCancel(ctx, user, value) }
		case slackview.ActionKeep, slackview.ActionDeleteNow:
			c := lifetimeClick{keep: act.ActionID == slackview.ActionKeep, user: user, requestID: value, home: true}
			return nil, func(ctx context.Context) {
				a.onLifetimeClick(ctx, c)
				a.homes.want(user, true)
			}
		case slackview.ActionHomeNew:
			trigger := cb.TriggerID
			return nil, func(ctx context.Context) { a.onHomeNew(ctx, user, trigger) }
		}
	}
	return nil, nil
}

// onHomeCancel withdraws the person's own pending request, as
// `/db-restore cancel ID` does, and answers in their Home tab.
func (a *App) onHomeCancel(ctx context.Context, user, id string) {
	a.cancelRequest(ctx, user, id, ":warning: ", func(text string) { a.homes.note(user, text) })
}

// onHomeNew opens the request form from the Home tab. The approval message
// goes to the rule's or the bot's approval channel (there is no channel the
// person typed in).
func (a *App) onHomeNew(ctx context.Context, user, trigger string) {
	if a.forms.cache == nil {
		a.homes.note(user, ":information_source: The request form needs cloud credentials, and this bot runs without them. Type the request with `/db-restore source=… backup=… reason=\"…\"`.")
		return
	}
	if err := a.in.MayRequest(ctx, user); err != nil {
		a.homes.note(user, slackview.Explain(a.log, err))
		return
	}
	a.openForm(ctx, a.homeUser(user), trigger)
}

// homeUser is the person behind a Home tab click. The form's requests are
// posted in the rule's or the bot's approval channel, and answers that need
// a channel are shown there, to them only.
func (a *App) homeUser(id string) user {
	return user{id: id, channel: a.opt.ApprovalChannel}
}

// homeChanged is the hook every change of a request passes through
// (refresh): it marks the people the change concerns due for a publish.
func (a *App) homeChanged(r approvals.Request) {
	a.homes.changed(r, a.opt.Admins)
}

// publishHomes publishes due Home tabs until ctx ends.
func (a *App) publishHomes(ctx, work context.Context) {
	for {
		for _, g := range a.homes.groups() {
			members, err := a.people.groupMembers(work, g)
			if err != nil {
				a.log.Warn().Err(err).Str("group_id", g).Msg("could not list a group's members for their Home tabs")
				continue
			}
			for u := range members {
				a.homes.want(u, false)
			}
		}
		u, next := a.homes.ready(time.Now())
		for ; u != ""; u, next = a.homes.ready(time.Now()) {
			a.publishHome(work, u)
		}
		var timer <-chan time.Time
		if !next.IsZero() {
			t := time.NewTimer(max(time.Until(next), time.Millisecond))
			timer = t.C
			defer t.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-a.homes.wake:
		case <-timer:
		}
	}
}

// publishHome draws and publishes one person's Home tab, within the
// publish budget all replicas share.
func (a *App) publishHome(ctx context.Context, user string) {
	log := a.log.With().Str("user_id", user).Logger()
	d, err := a.homeData(ctx, user)
	if err != nil {
		log.Warn().Err(err).Msg("Home tab drawn without its lists")
		d.Notice = strings.TrimSpace(d.Notice + "\n:warning: " + slackview.Explain(a.log, storeErr(err)))
	}
	// Slack's budget is the workspace's, shared by every replica: take
	// from one budget in Redis just before the call, and wait when it is
	// spent (or cannot be read).
	wait, err := a.store.TakeRate(ctx, "views.publish", a.opt.HomeRate, a.opt.HomeRateWindow)
	if err != nil {
		log.Warn().Err(err).Msg("could not take from the shared publish budget; publishing later")
		wait = time.Second
	}
	if wait > 0 {
		if d.Notice != "" {
			a.homes.note(user, d.Notice) // keep it for the publish that will come
		}
		a.homes.retry(user, time.Now().Add(wait))
		return
	}
	_, err = a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: slackview.HomeView(d)})
	if err != nil && d.Notice != "" {
		a.homes.keep(user, d.Notice) // the answer to their click waits for the next publish
	}
	var rl *slack.RateLimitedError
	switch {
	case errors.As(err, &rl):
		log.Warn().Dur("retry_after", rl.RetryAfter).Msg("views.publish rate limited; publishing later")
		a.homes.retry(user, time.Now().Add(rl.RetryAfter))
	case err != nil:
		a.slackFailed("views.publish", err)
		log.Warn().Err(err).Msg("could not publish the Home tab")
	}
}

// homeData reads what a person's Home tab shows (intake.Service.Board),
// with the answer to their last click here.
func (a *App) homeData(ctx context.Context, user string) (slackview.HomeData, error) {
	notice := a.homes.takeNotice(user)
	b, err := a.in.Board(ctx, user)
	return slackview.HomeData{Board: b, Notice: notice, Drills: a.homeDrills(ctx, b.Role), Instances: a.homeInstances(ctx, user)}, err
}
