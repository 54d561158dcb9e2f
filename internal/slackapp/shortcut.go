package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// ShortcutCallbackID is the callback_id of the message shortcut "Restore a
// database…" (manifest.yml features.shortcuts). Chosen on any message, it
// opens the request form with the ticket set to the message's permalink and
// the message's channel told of the request's outcome; the request's thread
// links back to the message.
const ShortcutCallbackID = "restore_from_message"

// permalinkWait bounds chat.getPermalink, which runs before views.open and
// so inside the trigger's 3 seconds.
const permalinkWait = time.Second

// routeShortcut answers a message shortcut: an empty ack (Slack ignores a
// message_action ack's payload), then the form.
func (a *App) routeShortcut(cb slack.InteractionCallback) (any, func(context.Context)) {
	if cb.CallbackID != ShortcutCallbackID {
		return nil, nil
	}
	u := user{id: cb.User.ID, channel: cb.Channel.ID, responseURL: cb.ResponseURL}
	ts := cb.Message.Timestamp
	if ts == "" {
		ts = cb.MessageTs
	}
	trigger := cb.TriggerID
	return nil, func(ctx context.Context) { a.onShortcut(ctx, u, trigger, ts) }
}

func (a *App) onShortcut(ctx context.Context, u user, trigger, messageTS string) {
	if a.forms.cache == nil {
		a.tell(ctx, u, ":information_source: The request form lists instances and backups from GaussDB, and this bot runs without cloud credentials. Type the request instead.\n\n"+command.Usage)
		return
	}
	if err := a.in.MayRequest(ctx, u.id); err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return
	}
	linkCtx, cancel := context.WithTimeout(ctx, permalinkWait)
	link, err := a.api.GetPermalinkContext(linkCtx, &slack.PermalinkParameters{Channel: u.channel, Ts: messageTS})
	cancel()
	if err != nil {
		// The form still opens in time; the ticket is left for the person.
		a.slackFailed("chat.getPermalink", err)
		a.log.Warn().Err(err).Str("channel_id", u.channel).Msg("could not get the message's permalink")
		link = ""
	}
	if len(link) > command.MaxTicketLen {
		link = ""
	}
	meta := slackview.FormMeta{Channel: u.channel, Requester: u.id, Origin: link, Notify: u.channel}
	a.openFormWith(ctx, u, trigger, meta, slackview.FormValues{Type: restore.TypeBackup, Ticket: link})
}

// linkOrigin writes, in a new request's thread, where it was started from.
func (a *App) linkOrigin(ctx context.Context, r approvals.Request) {
	if r.Origin == "" {
		return
	}
	a.thread(ctx, r, fmt.Sprintf(":link: Requested from <%s|this message>.", msgtext.Esc(r.Origin)))
}
