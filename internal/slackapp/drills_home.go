package slackapp

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// homeDrillsMax bounds the Drills section, to stay within Slack's 100
// blocks; /db-restore drills lists them all.
const homeDrillsMax = 10

// homeDrills reads the drills for someone who may see the Home board.
func (a *App) homeDrills(ctx context.Context, role intake.Role) []drill.Status {
	if a.drills == nil || role.None() {
		return nil
	}
	st, err := a.drills.Statuses(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("Home: could not read the drills.")
		return nil
	}
	return st
}

// drillBlocks is the Home tab's Drills section: one line per drill.
func drillBlocks(ds []drill.Status) []slack.Block {
	if len(ds) == 0 {
		return nil
	}
	b := []slack.Block{sectionTitle("drills", fmt.Sprintf("Restore drills (%d)", len(ds)))}
	for i, d := range ds {
		if i == homeDrillsMax {
			b = append(b, slack.NewContextBlock("drills-more", mrkdwn(fmt.Sprintf("and %d more: `/db-restore drills`", len(ds)-homeDrillsMax))))
			break
		}
		b = append(b, slack.NewSectionBlock(mrkdwn(truncate(drillLine(d), 3000)), nil, nil, slack.SectionBlockOptionBlockID("drill:"+d.Drill.Name)))
	}
	return b
}

func drillLine(d drill.Status) string {
	line := "*" + msgtext.Esc(d.Drill.Name) + "* · " + msgtext.Esc(d.Drill.Schedule.String()) + " · "
	switch l := d.Stats.Last; {
	case d.Running:
		line += ":hourglass_flowing_sand: running now"
	case l == nil:
		line += "never run"
	case l.Passed():
		line += fmt.Sprintf(":white_check_mark: passed %s, recovery %s", msgtext.Stamp(l.Ended), msgtext.About(l.Recovery()))
	default:
		line += fmt.Sprintf(":x: FAILED %s: %s", msgtext.Stamp(l.Ended), msgtext.Esc(l.Reason))
	}
	if d.Stats.Recoveries > 0 {
		line += fmt.Sprintf("\nmedian of the last %d: %s", d.Stats.Recoveries, msgtext.About(d.Stats.Median))
		if d.Stats.Trend != "" {
			line += " (" + d.Stats.Trend + ")"
		}
	}
	return line + " · next " + stampOr(d.Next)
}
