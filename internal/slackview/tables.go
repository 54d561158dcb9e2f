package slackview

import (
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// TablesInMessage is how many renames the approval message lists; the rest
// go in its thread.
const TablesInMessage = 10

// tablesHeadline says plainly what a table restore does.
func tablesHeadline(r approvals.Request) string {
	p := r.Params
	return fmt.Sprintf(":card_file_box: *Restores %d %s of %s as of %s under new names; nothing existing is changed.*",
		len(p.Tables), plural(len(p.Tables), "table", "tables"), instanceLabel(p.SourceName, p.SourceID), stamp(p.RestoreTime()))
}

func plural(n int, one, many string) string { return msgtext.Plural(n, one, many) }

// RenameLines lists renames as `db.old` → `db.new`, one a line.
func RenameLines(ts []approvals.TableRename) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "• `%s.%s` → `%s.%s`", esc(t.Database), esc(t.OldName), esc(t.Database), esc(t.NewName))
		if !t.Live {
			b.WriteString(" (dropped since)")
		}
		b.WriteString("\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// tableBlocks are the approval message's table-restore part: what it does
// and the first renames.
func tableBlocks(r approvals.Request) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(Mrkdwn(tablesHeadline(r)), nil, nil),
		slack.NewSectionBlock(Mrkdwn("*Old → new names*\n"+firstRenames(r.Params.Tables, "the thread")), nil, nil),
	}
}

// firstRenames lists the first renames, and says where the rest are.
func firstRenames(ts []approvals.TableRename, rest string) string {
	shown := ts[:min(len(ts), TablesInMessage)]
	list := RenameLines(shown)
	if n := len(ts) - len(shown); n > 0 {
		list += fmt.Sprintf("\n…and %d more, listed in %s", n, rest)
	}
	return list
}

// TablesPolicyLine says, for `/db-restore policy`, what table restores need.
func TablesPolicyLine(allowed bool, required int, approvers []string) string {
	if !allowed {
		return "• Table restores (tables=): *not allowed*\n"
	}
	return fmt.Sprintf("• Table restores (tables=): needs %d of %s; no safety backup (nothing existing is changed)\n", required, mentionList(approvers))
}
