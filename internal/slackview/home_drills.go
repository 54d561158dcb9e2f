package slackview

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// HomeDrillsMax bounds the Drills section, to stay within Slack's 100
// blocks; /db-restore drills lists them all.
const HomeDrillsMax = 10

// DrillBlocks is the Home tab's Drills section: one line per drill.
func DrillBlocks(ds []drill.Status) []slack.Block {
	if len(ds) == 0 {
		return nil
	}
	b := []slack.Block{sectionTitle("drills", fmt.Sprintf("Restore drills (%d)", len(ds)))}
	for i, d := range ds {
		if i == HomeDrillsMax {
			b = append(b, slack.NewContextBlock("drills-more", Mrkdwn(fmt.Sprintf("and %d more: `/db-restore drills`", len(ds)-HomeDrillsMax))))
			break
		}
		b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(drillLine(d), 3000)), nil, nil, slack.SectionBlockOptionBlockID("drill:"+d.Drill.Name)))
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

// stampOr is a time as Slack shows it, or "?" for none.
func stampOr(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return msgtext.Stamp(t)
}
