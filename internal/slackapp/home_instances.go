package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// homeInstancesMax bounds the section (the cap is small anyway).
const homeInstancesMax = 10

// homeInstances are the person's live instances from restores to a new
// instance; none when the bot creates none.
func (a *App) homeInstances(ctx context.Context, user string) []lifetime.Record {
	if a.opt.NewInstances == nil {
		return nil
	}
	recs, err := a.opt.NewInstances.Registry().Live(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("Home tab drawn without the new instances")
		return nil
	}
	var out []lifetime.Record
	for _, r := range recs {
		if r.Requester == user && len(out) < homeInstancesMax {
			out = append(out, r)
		}
	}
	return out
}

// instanceBlocks is the Home section of the person's live new instances,
// each with its expiry and Keep 24h more / Delete now.
func instanceBlocks(recs []lifetime.Record, now time.Time) []slack.Block {
	if len(recs) == 0 {
		return nil
	}
	b := []slack.Block{sectionTitle("instances", fmt.Sprintf("Your new instances (%d) · they cost money while they live", len(recs)))}
	for _, r := range recs {
		line := fmt.Sprintf("`%s` (`%s`) · %s · request `%s` · created %s ago · deleted at %s (in %s)",
			esc(r.Name), esc(orDash(r.InstanceID)), r.State, esc(r.RequestID), msgtext.About(now.Sub(r.Created)),
			stamp(r.Expires), msgtext.About(max(r.Expires.Sub(now), 0)))
		b = append(b, slack.NewSectionBlock(mrkdwn(truncate(line, 3000)), nil, nil, slack.SectionBlockOptionBlockID("ni:"+r.RequestID)))
		if r.State == lifetime.StateLive {
			keep := slack.NewButtonBlockElement(actionKeep, r.RequestID, plain("Keep 24h more"))
			del := slack.NewButtonBlockElement(actionDeleteNow, r.RequestID, plain("Delete now"))
			del.Style = slack.StyleDanger
			del.Confirm = slack.NewConfirmationBlockObject(plain("Delete the instance now?"),
				mrkdwn(truncate("Delete `"+esc(r.Name)+"` now. Its data is gone with it.", 300)), plain("Delete"), plain("Cancel"))
			b = append(b, slack.NewActionBlock("lifetime:"+r.RequestID, keep, del))
		}
	}
	return b
}
