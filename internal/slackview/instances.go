package slackview

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// The words of the instances restores to a new instance create: their
// reminders, deletions, refused deletions and /db-restore instances.

// InstanceReminder is the reminder in a request's thread that its new
// instance is deleted soon, with Keep 24h more and Delete now.
func InstanceReminder(ev lifetime.Reminder) (string, []slack.Block) {
	r := ev.Record
	text := fmt.Sprintf(":alarm_clock: <@%s> the new instance `%s` (`%s`) is deleted in %s, at %s. It costs money while it lives.",
		r.Requester, msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.About(ev.Left), msgtext.Stamp(r.Expires))
	keep, del := lifetimeButtons(r)
	keep.Style = slack.StylePrimary
	blocks := []slack.Block{slack.NewSectionBlock(Mrkdwn(text), nil, nil), slack.NewActionBlock("lifetime", keep, del)}
	return text, blocks
}

// NotDeletedWords say an expired instance was not deleted, and why: loudly
// when it is no longer provably the bot's.
func NotDeletedWords(r lifetime.Record, err error) string {
	if errors.Is(err, restore.ErrNotOwned) {
		return RefusedWords(r, err)
	}
	return fmt.Sprintf(":warning: The new instance `%s` (`%s`) expired but was *not* deleted: %s. The bot tries again; check it in the GaussDB console.",
		msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.Esc(err.Error()))
}

// RefusedWords say, loudly, that the bot will not delete an instance that
// is no longer provably the one it created for the request.
func RefusedWords(r lifetime.Record, err error) string {
	return fmt.Sprintf(":rotating_light: <@%s> *Deletion refused:* instance `%s` (`%s`) does not carry this request's tags or ID any more, so the bot will never delete it: %s. It may still cost money: delete it by hand if it is yours.",
		r.Requester, msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), msgtext.Esc(err.Error()))
}

// DeletedWords say the bot deleted a new instance (or found it gone), and why.
func DeletedWords(d lifetime.Deleted, why string) string {
	r := d.Record
	if d.Gone {
		return fmt.Sprintf(":wastebasket: The new instance `%s` (`%s`) was already gone; nothing was deleted.", msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID))
	}
	return fmt.Sprintf(":wastebasket: Deleted the new instance `%s` (`%s`): %s (delete job `%s`).", msgtext.Esc(r.Name), msgtext.Esc(r.InstanceID), why, msgtext.Esc(d.JobID))
}

// InstancesText answers /db-restore instances: the live instances the bot
// created, against the cap.
func InstancesText(recs []lifetime.Record, maxLive int, now time.Time) string {
	if len(recs) == 0 {
		return fmt.Sprintf("No instance created by the bot is alive (at most %d may be).", maxLive)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Instances the bot created* (%d of at most %d):\n", len(recs), maxLive)
	for _, r := range recs {
		fmt.Fprintf(&b, "• `%s` (`%s`) · %s · request `%s` by <@%s> · age %s · deleted at %s (in %s)\n",
			msgtext.Esc(r.Name), msgtext.Esc(OrDash(r.InstanceID)), r.State, msgtext.Esc(r.RequestID), r.Requester,
			msgtext.About(now.Sub(r.Created)), msgtext.Stamp(r.Expires), msgtext.About(r.Expires.Sub(now)))
	}
	return strings.TrimRight(b.String(), "\n")
}
