package slackview

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// The buttons of a new instance's reminders and of its Home line.
const (
	ActionKeep      = "ni_keep"
	ActionDeleteNow = "ni_delete"
)

// instanceBlocks is the Home section of the person's live new instances,
// each with its expiry and Keep 24h more / Delete now.
func instanceBlocks(recs []lifetime.Record, now time.Time) []slack.Block {
	if len(recs) == 0 {
		return nil
	}
	b := []slack.Block{sectionTitle("instances", fmt.Sprintf("Your new instances (%d) · they cost money while they live", len(recs)))}
	for _, r := range recs {
		line := fmt.Sprintf("`%s` (`%s`) · %s · request `%s` · created %s ago · deleted at %s (in %s)",
			esc(r.Name), esc(OrDash(r.InstanceID)), r.State, esc(r.RequestID), msgtext.About(now.Sub(r.Created)),
			stamp(r.Expires), msgtext.About(max(r.Expires.Sub(now), 0)))
		b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(line, 3000)), nil, nil, slack.SectionBlockOptionBlockID("ni:"+r.RequestID)))
		if r.State == lifetime.StateLive {
			keep, del := lifetimeButtons(r)
			b = append(b, slack.NewActionBlock("lifetime:"+r.RequestID, keep, del))
		}
	}
	return b
}

// lifetimeButtons are Keep 24h more and Delete now (confirmed) for r's instance.
func lifetimeButtons(r lifetime.Record) (keep, del *slack.ButtonBlockElement) {
	keep = slack.NewButtonBlockElement(ActionKeep, r.RequestID, Plain("Keep 24h more"))
	del = slack.NewButtonBlockElement(ActionDeleteNow, r.RequestID, Plain("Delete now"))
	del.Style = slack.StyleDanger
	del.Confirm = slack.NewConfirmationBlockObject(Plain("Delete the instance now?"),
		Mrkdwn(Truncate("Delete `"+esc(r.Name)+"` now. Its data is gone with it.", 300)), Plain("Delete"), Plain("Cancel"))
	return keep, del
}
