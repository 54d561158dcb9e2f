package sandbox

import (
	"context"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// shortcutCallbackID is the message shortcut the manifest declares
// ("Restore…" on any message).
const shortcutCallbackID = "restore_from_message"

// home is the Home tab the bot published for user, rendered; "" until it
// publishes one. Clicks in it carry the view's ID.
func (sb *Sandbox) home(user string, s Surface) string {
	v, ok := sb.Slack.Home(user)
	if !ok {
		return ""
	}
	return `<div class="home-view" data-home-view="` + attr(v.ID) + `">` + s.Blocks(v.Blocks) + `</div>`
}

// openHome tells the bot the user opened its Home tab (app_home_opened).
func (sb *Sandbox) openHome(ctx context.Context, user string) error {
	_, err := sb.Slack.AppHomeOpened(ctx, user)
	return err
}

// shortcut is the user choosing "Restore…" on a message.
func (sb *Sandbox) shortcut(ctx context.Context, user, channel, ts string) error {
	_, err := sb.Slack.MessageShortcut(ctx, slacktest.Shortcut{UserID: user, ChannelID: channel, MessageTS: ts, CallbackID: shortcutCallbackID})
	return err
}
