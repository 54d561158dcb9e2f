package slackview

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// Action IDs of the approval message's buttons.
const (
	ActionApprove = "approve"
	ActionDeny    = "deny"
)

// esc neutralises Slack's control characters in text people typed or the
// cloud returned, so that `<!channel>` or `<@U…>` in a reason never pings.
func esc(s string) string { return msgtext.Esc(s) }

// Mrkdwn is a text object that Slack does not auto-link or auto-mention:
// verbatim, so only the markup we write ourselves takes effect.
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// instanceLabel names an instance for people: its name and its ID.
func instanceLabel(name, id string) string { return msgtext.Instance(name, id) }

// formatInstant shows an instant in UTC, in the requester's zone and as the
// epoch milliseconds the API receives, so nobody has to convert in their head.
func formatInstant(t time.Time, tz string) string {
	s := t.UTC().Format("2006-01-02 15:04:05 UTC")
	if loc, err := time.LoadLocation(tz); err == nil && tz != "" && tz != "UTC" {
		s += " · " + t.In(loc).Format("2006-01-02 15:04:05 MST") + " (" + esc(tz) + ")"
	}
	return fmt.Sprintf("%s · `%d` ms", s, t.UnixMilli())
}

func stamp(t time.Time) string { return msgtext.Stamp(t) }

// mentionList renders approver IDs as Slack mentions (msgtext.Mentions).
func mentionList(ids []string) string { return msgtext.Mentions(ids) }

// whatLine is a one-line summary used in threads, DMs and the incident channel.
func whatLine(r approvals.Request) string { return msgtext.What(r) }

// ApprovalBlocks renders the approval message for a request in any state:
// pending requests carry Approve and Deny buttons, every other state shows
// who decided, when, and what happened instead.
func ApprovalBlocks(r approvals.Request) []slack.Block {
	p := r.Params
	blocks := []slack.Block{
		slack.NewHeaderBlock(Plain("Database restore request " + r.ID)),
	}
	if p.Overwrite() {
		blocks = append(blocks, slack.NewSectionBlock(Mrkdwn(fmt.Sprintf(
			":warning: *Restore to the original instance:* this overwrites the current data of %s. The instance is unavailable while it restores.",
			instanceLabel(p.TargetName, p.TargetID))), nil, nil))
	}
	if p.Type == approvals.TypeTables {
		blocks = append(blocks, tableBlocks(r)...)
	}
	if p.Type == approvals.TypeNewInstance {
		blocks = append(blocks, newInstanceBlocks(r)...)
	}
	blocks = append(blocks, slack.NewSectionBlock(nil, requestFields(r), nil))
	blocks = append(blocks, ruleBlocks(r)...)
	blocks = append(blocks, slack.NewContextBlock("estimate", Mrkdwn(estimateLine(r.Estimate))))
	blocks = append(blocks, slack.NewSectionBlock(Mrkdwn("*Reason*\n"+esc(r.Reason)), nil, nil))
	if r.Ticket != "" {
		blocks = append(blocks, slack.NewSectionBlock(Mrkdwn("*Ticket*\n"+esc(r.Ticket)), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("status", Mrkdwn(statusLine(r))))
	if r.State == approvals.StatePending {
		blocks = append(blocks, slack.NewActionBlock("decision", decisionButtons(r)...))
	}
	return blocks
}

// requestFields are the approval message's fields: who asks, what, from
// where to where, and the approvals it needs.
func requestFields(r approvals.Request) []*slack.TextBlockObject {
	p := r.Params
	fields := []*slack.TextBlockObject{
		Mrkdwn("*Requested by*\n<@" + r.Requester + ">"),
		Mrkdwn("*Type*\n" + typeLabel(p.Type)),
		Mrkdwn("*Source*\n" + instanceLabel(p.SourceName, p.SourceID)),
	}
	switch {
	case p.Type == approvals.TypeNewInstance && p.New != nil:
		fields = append(fields, Mrkdwn("*Target*\na new instance `"+esc(p.New.Name)+"`"))
	case p.Type != approvals.TypeTables:
		fields = append(fields, Mrkdwn("*Target*\n"+instanceLabel(p.TargetName, p.TargetID)))
	}
	if p.BackupID != "" {
		fields = append(fields, Mrkdwn("*Backup*\n`"+esc(p.BackupID)+"`"))
	} else {
		fields = append(fields, Mrkdwn("*Restore to*\n"+formatInstant(p.RestoreTime(), r.RequesterTZ)))
	}
	needs := fmt.Sprintf("*Approvals*\nneeds %d of %s", r.Rule.Required(), mentionList(r.Rule.Approvers))
	if r.Rule.Name != "" && (r.Rule.Name != "default" || p.Type == approvals.TypeTables) {
		needs += fmt.Sprintf(" (rule %s)", esc(r.Rule.Name))
	}
	fields = append(fields, Mrkdwn(needs))
	return fields
}

// ruleBlocks say what the rule in force adds: break-glass, a safety backup.
func ruleBlocks(r approvals.Request) []slack.Block {
	var blocks []slack.Block
	if r.BreakGlass != "" {
		blocks = append(blocks, slack.NewSectionBlock(Mrkdwn(fmt.Sprintf(
			":rotating_light: *Break-glass:* %s\nThe rule normally needs %d approvals; this request needs 1, and never the requester.",
			esc(r.BreakGlass), max(r.Rule.BreakGlassFrom, r.Rule.Required()))), nil, nil))
	}
	if r.Rule.SafetyBackup {
		s := ":shield: A safety backup of the target is taken first; the restore starts only when it is complete"
		if r.Rule.SafetyBackupMinutes > 0 {
			s += fmt.Sprintf(" (its last backup took about %d min)", r.Rule.SafetyBackupMinutes)
		}
		blocks = append(blocks, slack.NewContextBlock("safety", Mrkdwn(s+".")))
	}
	return blocks
}

// decisionButtons are Approve and Deny for a pending request, the same in
// the approval message and in an approver's Home tab: one handler, one
// value ("<id>|<param hash>") and one confirmation for both.
func decisionButtons(r approvals.Request) []slack.BlockElement {
	approve := slack.NewButtonBlockElement(ActionApprove, r.ID+"|"+r.ParamHash, Plain("Approve"))
	approve.Style = slack.StylePrimary
	approve.Confirm = slack.NewConfirmationBlockObject(
		Plain("Approve this restore?"),
		Mrkdwn(Truncate("Restore "+whatLine(r)+".", 300)),
		Plain("Approve"), Plain("Cancel"))
	deny := slack.NewButtonBlockElement(ActionDeny, r.ID+"|"+r.ParamHash, Plain("Deny"))
	deny.Style = slack.StyleDanger
	return []slack.BlockElement{approve, deny}
}

func typeLabel(t approvals.RestoreType) string {
	switch t {
	case approvals.TypeBackup:
		return "from a backup"
	case approvals.TypeTables:
		return "tables at a point in time"
	case approvals.TypeNewInstance:
		return "into a new instance"
	}
	return "to a point in time"
}

// statusLine says where the request stands, who moved it there and when.
func statusLine(r approvals.Request) string {
	approvedBy := func() string {
		parts := make([]string, 0, len(r.Approvals))
		for _, a := range r.Approvals {
			parts = append(parts, "<@"+a.User+"> at "+stamp(a.At))
		}
		return strings.Join(parts, ", ")
	}
	switch r.State {
	case approvals.StatePending:
		s := fmt.Sprintf(":hourglass: Waiting for approval (%d of %d) · expires %s · ID `%s`",
			len(r.Approvals), r.Rule.Required(), stamp(r.ExpiresAt), r.ID)
		if len(r.Approvals) > 0 {
			s += " · approved so far by " + approvedBy()
		}
		return s
	case approvals.StateQueued:
		return ":hourglass_flowing_sand: Approved by " + approvedBy() + " · waiting: `" + esc(r.WaitingFor) + "` is restoring this instance"
	case approvals.StateExecuting:
		return ":gear: Approved by " + approvedBy() + " · submitting the restore"
	case approvals.StateSubmitted:
		return ":arrows_counterclockwise: Approved by " + approvedBy() + " · restore running, job `" + esc(r.JobID) + "`"
	case approvals.StateCompleted:
		return ":white_check_mark: Approved by " + approvedBy() + " · restore completed, job `" + esc(r.JobID) + "`" + took(r)
	case approvals.StateFailed:
		s := ":x: Failed"
		if len(r.Approvals) > 0 {
			s = ":x: Approved by " + approvedBy() + " · failed"
		}
		if r.JobID != "" {
			s += ", job `" + esc(r.JobID) + "`"
		}
		return s + ": " + esc(r.Detail) + took(r)
	case approvals.StateUnknown:
		return ":grey_question: Approved by " + approvedBy() + " · outcome unknown: " + esc(r.Detail)
	case approvals.StateDryRun:
		return ":test_tube: Approved by " + approvedBy() + " · dry run: the restore call was not made"
	case approvals.StateDenied:
		return ":no_entry: Denied by <@" + r.DecidedBy + "> at " + stamp(r.DecidedAt)
	case approvals.StateCancelled:
		if r.DecidedBy == "bot" {
			return ":wastebasket: Withdrawn by the bot at " + stamp(r.DecidedAt) + ": " + esc(r.Detail)
		}
		return ":wastebasket: Cancelled by <@" + r.DecidedBy + "> at " + stamp(r.DecidedAt)
	case approvals.StateExpired:
		return ":alarm_clock: Expired at " + stamp(r.ExpiresAt) + " without enough approvals"
	}
	return string(r.State)
}

// took says how long a finished restore ran, from its approval.
func took(r approvals.Request) string {
	if len(r.Approvals) == 0 || r.UpdatedAt.IsZero() {
		return ""
	}
	d := r.UpdatedAt.Sub(r.Approvals[len(r.Approvals)-1].At)
	if d <= 0 {
		return ""
	}
	if d >= time.Second {
		d = d.Round(time.Second)
	} else {
		d = d.Round(time.Millisecond)
	}
	return " · took " + d.String()
}

// FallbackText is the notification text that goes with the blocks.
func FallbackText(r approvals.Request) string {
	return fmt.Sprintf("Restore request %s (%s): %s", r.ID, r.State, esc(r.Params.TargetName))
}

func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
