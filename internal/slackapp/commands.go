package slackapp

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// ephemeral is a slash-command ack payload shown only to the person who typed.
type ephemeral struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func reply(text string) ephemeral { return ephemeral{ResponseType: "ephemeral", Text: text} }

// routeCommand parses the command text (pure, microseconds) so help and
// usage errors go back in the ack itself; everything that needs Redis, Slack
// or the cloud is returned as work for after the ack.
func (a *App) routeCommand(sc slack.SlashCommand) (any, func(context.Context)) {
	cmd, err := command.Parse(sc.Text)
	if err != nil {
		return reply(slackview.Explain(a.log, err)), nil
	}
	u := user{id: sc.UserID, channel: sc.ChannelID, responseURL: sc.ResponseURL}
	switch c := cmd.(type) {
	case command.Help:
		return reply(command.Usage), nil
	case command.Open:
		return a.routeOpen(sc)
	case command.Request:
		return reply(":hourglass_flowing_sand: Checking your request against GaussDB…"), func(ctx context.Context) { a.onRequest(ctx, u, c) }
	case command.List:
		return nil, a.looking(u, func(ctx context.Context) { a.onList(ctx, u, c) })
	case command.Status:
		return nil, a.looking(u, func(ctx context.Context) { a.onStatus(ctx, u, c.ID) })
	case command.Cancel:
		return nil, func(ctx context.Context) { a.onCancel(ctx, u, c.ID) }
	case command.Freeze:
		return nil, func(ctx context.Context) { a.onFreeze(ctx, u, c) }
	case command.Policy:
		return nil, a.looking(u, func(ctx context.Context) { a.onPolicy(ctx, u, c.Instance) })
	case command.Reviews:
		return nil, func(ctx context.Context) { a.onReviews(ctx, u) }
	case command.Instances:
		return nil, a.looking(u, func(ctx context.Context) { a.onInstances(ctx, u) })
	case command.Review:
		return nil, func(ctx context.Context) { a.onReview(ctx, u, c) }
	case command.Drills:
		return nil, a.looking(u, func(ctx context.Context) { a.onDrills(ctx, u) })
	case command.DrillNow:
		return nil, func(ctx context.Context) { a.onDrillNow(ctx, u, c.Name) }
	}
	return reply(":construction: That part of /db-restore is not available yet.\n\n" + command.Usage), nil
}

// user is the person behind an envelope and where to answer them privately.
type user struct {
	id          string
	channel     string
	responseURL string
}

// tell answers the user privately: through the command's response_url when
// there is one (it works even where the bot is not a channel member), else
// as an ephemeral message in the channel.
func (a *App) tell(ctx context.Context, u user, text string) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	var err error
	if u.responseURL != "" {
		opts = append(opts, slack.MsgOptionResponseURL(u.responseURL, slack.ResponseTypeEphemeral))
		_, _, err = a.api.PostMessageContext(ctx, u.channel, opts...)
	} else {
		_, err = a.api.PostEphemeralContext(ctx, u.channel, u.id, opts...)
	}
	if err != nil {
		a.slackFailed("response_url", err)
		a.log.Warn().Err(err).Str("user_id", u.id).Msg("could not answer user")
	}
}

// onRequest validates a typed request, stores it and posts it for approval.
func (a *App) onRequest(ctx context.Context, u user, c command.Request) {
	req, err := a.createRequest(ctx, u.id, u.channel, intake.Draft{
		Source: c.Source, Target: c.Target, BackupID: c.BackupID, Time: c.Time, Reason: c.Reason, Ticket: c.Ticket,
		BreakGlass: c.BreakGlass, Tables: c.Tables, Suffix: c.Suffix,
		NewInstance: c.NewInstance, Name: c.Name, Keep: c.Keep,
	})
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return
	}
	a.tell(ctx, u, fmt.Sprintf(":inbox_tray: Request `%s` is waiting for approval in <#%s>: %s. `/db-restore cancel %s` withdraws it.",
		req.ID, req.Channel, msgtext.What(req), req.ID))
}

// createRequest is the one path from a draft to a stored, announced
// request, shared by the text command, the form and the shortcut: intake
// checks and stores it, then the approval message is posted (a request
// nobody can see is withdrawn) and the request announced.
func (a *App) createRequest(ctx context.Context, requester, channel string, d intake.Draft) (approvals.Request, error) {
	req, err := a.in.Create(ctx, requester, channel, d)
	if err != nil {
		return approvals.Request{}, err
	}
	log := a.log.With().Str("user_id", requester).Str("request_id", req.ID).Logger()
	ch := req.Channel
	// Queued in the channel's lane (paced, in order) and retried through
	// 429s and transient failures for up to approvalGiveUp.
	ts, err := a.post(ctx, "approval message", req.ID, ch, approvalGiveUp,
		slack.MsgOptionText(slackview.FallbackText(req), false), slack.MsgOptionBlocks(slackview.ApprovalBlocks(req)...)).Wait(ctx)
	if err != nil {
		// Nobody can approve a request nobody sees: withdraw it.
		np := &slackview.ApprovalNotPostedError{RequestID: req.ID, Channel: ch, Err: err}
		if _, cerr := a.store.Withdraw(ctx, req.ID, np.Reason()); cerr != nil {
			log.Error().Err(cerr).Msg("could not withdraw a request whose approval message failed")
		}
		return approvals.Request{}, np
	}
	if rec, err := a.store.SetMessage(ctx, req.ID, ch, ts); err != nil {
		log.Error().Err(err).Msg("could not record the approval message")
	} else if rec.State != approvals.StatePending {
		// Decided in the milliseconds before the message was recorded: the
		// decision could not redraw it, so redraw it now.
		a.refresh(ctx, rec)
	}
	req.MessageTS = ts
	a.postRestOfTables(ctx, req)
	a.homeChanged(req)
	a.linkOrigin(ctx, req)
	a.announce(ctx, req, fmt.Sprintf(":inbox_tray: <@%s> requested restore `%s`: %s", requester, req.ID, msgtext.What(req)))
	if req.BreakGlass != "" {
		a.announceBreakGlass(ctx, req)
	}
	return req, nil
}

func storeErr(err error) error { return intake.StoreErr(err) }

func (a *App) onList(ctx context.Context, u user, c command.List) {
	const perPage = 10
	page := max(c.Page, 1)
	reqs, total, err := a.store.List(ctx, (page-1)*perPage, perPage)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	if total == 0 {
		a.tell(ctx, u, "No restore requests are pending or running.")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Pending and running restores* (page %d of %d, %d in all, newest first)\n", page, (total+perPage-1)/perPage, total)
	for _, r := range reqs {
		fmt.Fprintf(&b, "• `%s` %s · %s · by <@%s> · %s\n", r.ID, msgtext.StateWords(r.State), msgtext.What(r), r.Requester, msgtext.Stamp(r.CreatedAt))
	}
	if page*perPage < total {
		fmt.Fprintf(&b, "Next: `/db-restore list %d`", page+1)
	}
	a.tell(ctx, u, b.String())
}

func (a *App) onStatus(ctx context.Context, u user, id string) {
	req, err := a.store.Get(ctx, id)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	events, err := a.store.History(ctx, req.ID)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Request `%s`*: %s\n%s\n*Reason:* %s\n", req.ID, msgtext.StateWords(req.State), msgtext.What(req), msgtext.Esc(req.Reason))
	if req.JobID != "" {
		fmt.Fprintf(&b, "*Job:* `%s`\n", msgtext.Esc(req.JobID))
	}
	if req.State.Terminal() && req.Detail != "" {
		fmt.Fprintf(&b, "*Outcome:* %s\n", msgtext.Esc(req.Detail))
	}
	b.WriteString("*History*\n")
	for _, e := range events {
		actor := "the bot"
		if e.Actor != "" && e.Actor != "bot" {
			actor = "<@" + e.Actor + ">"
		}
		fmt.Fprintf(&b, "• %s · %s by %s → %s", msgtext.Stamp(e.At), msgtext.Esc(e.Action), actor, msgtext.StateWords(e.State))
		if e.Detail != "" {
			b.WriteString(" · " + msgtext.Esc(e.Detail))
		}
		b.WriteString("\n")
	}
	a.tell(ctx, u, b.String())
}

func (a *App) onCancel(ctx context.Context, u user, id string) {
	a.cancelRequest(ctx, u.id, id, "", func(text string) { a.tell(ctx, u, text) })
}

// cancelRequest withdraws the person's own pending request, answers them
// where they asked (a refusal prefixed with refused) and tells the
// incident channel.
func (a *App) cancelRequest(ctx context.Context, userID, id, refused string, answer func(string)) {
	req, err := a.store.Cancel(ctx, id, userID)
	warn, err := unconfirmed(err)
	if err != nil {
		a.m.Decision("cancel", "refused")
		answer(refused + slackview.Explain(a.log, storeErr(err)))
		return
	}
	a.m.Decision("cancel", "done")
	a.m.Transition(string(req.State))
	a.log.Info().Str("request_id", req.ID).Str("user_id", userID).Msg("request cancelled")
	d := slackview.RenderDecision(req, slackview.Cancelled{By: userID, Unconfirmed: warn})
	a.deliver(ctx, req, d)
	answer(d.Answer)
}
