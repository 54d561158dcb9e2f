package slackview

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/lifetime"
)

// The App Home tab: what one person sees when they open the bot. HomeView
// is a pure function of HomeData, so every state of the view has a golden
// file (testdata/home_*.json).

// Action IDs of the Home tab's own buttons. Approve and Deny use the
// approval message's action IDs and values, so one handler serves both.
const (
	ActionHomeCancel = "home_cancel"
	ActionHomeNew    = "home_new_restore"
)

// homeListMax is how many requests each list shows (intake caps them), so
// that the view stays within Slack's 100 blocks whatever the store holds
// (the longest list, waiting for approval, takes two blocks per request).
const homeListMax = intake.BoardListMax

// HomeData is everything one person's Home tab shows.
type HomeData struct {
	intake.Board
	Notice string         // the answer to the person's last click here, if any
	Drills []drill.Status // the restore drills (drills_home.go); none when no drills run
	// instances are the person's live new instances (home_instances.go).
	Instances []lifetime.Record
}

// HomeView draws a person's Home tab.
func HomeView(d HomeData) slack.HomeTabViewRequest {
	b := []slack.Block{slack.NewHeaderBlock(Plain("Database restores"))}
	if d.Notice != "" {
		b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(d.Notice, 3000)), nil, nil))
	}
	if d.Role.None() {
		b = append(b, slack.NewSectionBlock(Mrkdwn(
			"You are not a requester, approver or admin of database restores, so there is nothing here for you. "+
				"Ask the team that runs this bot if you need to request or approve restores."), nil, nil))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: b}}
	}
	b = append(b, slack.NewContextBlock("updated", Mrkdwn("Updated "+stamp(d.Now)+" · `/db-restore help` lists every command")))
	b = append(b, freezeBlock(d))
	if d.Role.Request {
		newBtn := slack.NewButtonBlockElement(ActionHomeNew, "new", Plain("New restore"))
		newBtn.Style = slack.StylePrimary
		b = append(b, slack.NewActionBlock("new", newBtn))
	}
	if d.Role.Approve {
		b = append(b, sectionTitle("waiting", fmt.Sprintf("Waiting for your approval (%d)", len(d.Waiting)+d.More["waiting"])))
		for _, r := range d.Waiting {
			b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(waitingLine(r, d.Now), 3000)), nil, nil, slack.SectionBlockOptionBlockID("req:"+r.ID)),
				slack.NewActionBlock("decision:"+r.ID, homeDecisionButtons(r)...))
		}
		b = append(b, emptyOrMore(d, "waiting", "Nothing waits for you.")...)
	}
	b = append(b, mineBlocks(d)...)
	b = append(b, instanceBlocks(d.Instances, d.Now)...)
	b = append(b, sectionTitle("running", "Running now"))
	for _, r := range d.Running {
		b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(runningLine(r, d.Now), 3000)), nil, nil, slack.SectionBlockOptionBlockID("run:"+r.ID)))
	}
	b = append(b, emptyOrMore(d, "running", "No restore is running.")...)
	b = append(b, sectionTitle("recent", "Finished in the last 7 days"))
	for _, r := range d.Recent {
		b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(recentLine(r, d.Undo[r.ID]), 3000)), nil, nil, slack.SectionBlockOptionBlockID("done:"+r.ID)))
	}
	b = append(b, emptyOrMore(d, "recent", "No restore finished in the last 7 days.")...)
	b = append(b, DrillBlocks(d.Drills)...)
	b = append(b, reviewBlocks(d)...)
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "home", Blocks: slack.Blocks{BlockSet: b}}
}

// mineBlocks are the person's own requests, each pending one with Cancel.
func mineBlocks(d HomeData) []slack.Block {
	var b []slack.Block
	if d.Role.Request || len(d.Mine) > 0 {
		b = append(b, sectionTitle("mine", "Your requests"))
		for _, r := range d.Mine {
			s := slack.NewSectionBlock(Mrkdwn(Truncate(mineLine(r, d.Now), 3000)), nil, nil, slack.SectionBlockOptionBlockID("mine:"+r.ID))
			if r.State == approvals.StatePending {
				cancel := slack.NewButtonBlockElement(ActionHomeCancel, r.ID, Plain("Cancel"))
				cancel.Confirm = slack.NewConfirmationBlockObject(Plain("Cancel this request?"),
					Mrkdwn(Truncate("Withdraw request "+r.ID+": "+whatLine(r)+".", 300)), Plain("Withdraw it"), Plain("Keep it"))
				s.Accessory = slack.NewAccessory(cancel)
			}
			b = append(b, s)
		}
		b = append(b, emptyOrMore(d, "mine", "You have not requested a restore recently.")...)
	}
	return b
}

// reviewBlocks are, for admins, the break-glass restores waiting for review.
func reviewBlocks(d HomeData) []slack.Block {
	var b []slack.Block
	if d.Role.Admin {
		b = append(b, sectionTitle("reviews", fmt.Sprintf("Break-glass restores waiting for review (%d)", len(d.Reviews)+d.More["reviews"])))
		for _, r := range d.Reviews {
			b = append(b, slack.NewSectionBlock(Mrkdwn(Truncate(fmt.Sprintf("`%s` %s · by <@%s> · %s\n:rotating_light: %s\n`/db-restore review %s`",
				r.ID, stateWords(r.State), r.Requester, whatLine(r), esc(r.BreakGlass), r.ID), 3000)), nil, nil, slack.SectionBlockOptionBlockID("review:"+r.ID)))
		}
		b = append(b, emptyOrMore(d, "reviews", "No break-glass restore waits for review.")...)
	}
	return b
}

// sectionTitle starts a list: a divider and a bold line.
func sectionTitle(id, text string) slack.Block {
	return slack.NewSectionBlock(Mrkdwn("*"+text+"*"), nil, nil, slack.SectionBlockOptionBlockID("title:"+id))
}

// emptyOrMore closes a list: a line when it is empty, or says how many
// were left out.
func emptyOrMore(d HomeData, list, empty string) []slack.Block {
	n := map[string]int{"waiting": len(d.Waiting), "mine": len(d.Mine), "running": len(d.Running), "recent": len(d.Recent), "reviews": len(d.Reviews)}[list]
	switch {
	case n == 0 && d.More[list] == 0:
		return []slack.Block{slack.NewContextBlock("empty:"+list, Mrkdwn(empty))}
	case d.More[list] > 0:
		return []slack.Block{slack.NewContextBlock("more:"+list, Mrkdwn(fmt.Sprintf("…and %d more: `/db-restore list` shows every open request.", d.More[list])))}
	}
	return nil
}

func freezeBlock(d HomeData) slack.Block {
	if !d.Frozen && len(d.FrozenRules) == 0 {
		return slack.NewContextBlock("freeze", Mrkdwn(":sunny: Restores are not frozen."))
	}
	var s strings.Builder
	if d.Frozen {
		fmt.Fprintf(&s, ":snowflake: *All restores are frozen*")
		if d.FreezeBy != "" {
			fmt.Fprintf(&s, " by <@%s>", d.FreezeBy)
		}
		fmt.Fprintf(&s, ": %s\nNew requests and approvals are refused until an admin runs `/db-restore freeze off`.", esc(d.FreezeReason))
	}
	for _, r := range d.FrozenRules {
		if s.Len() > 0 {
			s.WriteString("\n")
		}
		fmt.Fprintf(&s, ":snowflake: Rule frozen: %s", esc(r))
	}
	return slack.NewSectionBlock(Mrkdwn(Truncate(s.String(), 3000)), nil, nil, slack.SectionBlockOptionBlockID("freeze"))
}

func waitingLine(r approvals.Request, now time.Time) string {
	s := fmt.Sprintf("`%s` by <@%s> · %s\n*Reason:* %s\n%d of %d approvals · requested %s · expires in %s",
		r.ID, r.Requester, whatLine(r), esc(r.Reason), len(r.Approvals), r.Rule.Required(), ago(r.CreatedAt, now), left(r.ExpiresAt, now))
	if p := r.Params; p.Type != approvals.TypeBackup { // what the approval binds, as the approval message says it
		s += "\n*Restore to:* " + formatInstant(p.RestoreTime(), r.RequesterTZ)
		if p.Type == approvals.TypeTables {
			s += "\n*Old → new names*\n" + firstRenames(p.Tables, "the approval message's thread")
		}
	}
	if r.BreakGlass != "" {
		s += "\n:rotating_light: *Break-glass:* " + esc(r.BreakGlass)
	}
	if r.Params.Overwrite() {
		s += "\n:warning: Overwrites the original instance."
	}
	return s
}

func mineLine(r approvals.Request, now time.Time) string {
	s := fmt.Sprintf("`%s` *%s* · %s\nrequested %s", r.ID, stateWords(r.State), whatLine(r), ago(r.CreatedAt, now))
	switch r.State {
	case approvals.StatePending:
		s += fmt.Sprintf(" · expires in %s · %d of %d approvals", left(r.ExpiresAt, now), len(r.Approvals), r.Rule.Required())
	default:
		if len(r.Approvals) > 0 {
			s += fmt.Sprintf(" · %d of %d approvals", len(r.Approvals), r.Rule.Required())
		}
	}
	if len(r.Approvals) > 0 {
		s += " (" + mentionList(approverIDs(r)) + ")"
	}
	if r.State == approvals.StateSubmitted && r.Progress != "" {
		s += "\n" + ProgressBar(r.Progress)
	}
	return s
}

func runningLine(r approvals.Request, now time.Time) string {
	if r.State == approvals.StateExecuting {
		return fmt.Sprintf("`%s` :gear: approved, being submitted · %s", r.ID, whatLine(r))
	}
	s := fmt.Sprintf("`%s` %s · job `%s`\n%s", r.ID, whatLine(r), esc(r.JobID), ProgressBar(r.Progress))
	if !r.SubmittedAt.IsZero() {
		elapsed := now.Sub(r.SubmittedAt)
		s += " · running " + RoundDur(elapsed)
		if rem, ok := Remaining(r.Progress, elapsed); ok {
			s += " · about " + RoundDur(rem) + " left"
		}
	}
	return s
}

func recentLine(r approvals.Request, undo string) string {
	s := fmt.Sprintf("%s `%s` %s · %s", stateEmoji(r.State), r.ID, stateWords(r.State), whatLine(r))
	if d := took(r); d != "" {
		s += d
	}
	s += " · ended " + stamp(r.UpdatedAt)
	if r.State != approvals.StateCompleted && r.Detail != "" {
		s += "\n" + esc(Truncate(r.Detail, 500))
	}
	if undo != "" {
		s += "\n:shield: To undo: `" + esc(undo) + "`"
	}
	return s
}

// percent reads a job's `process` ("60%") as a number from 0 to 100.
func percent(process string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(process), "%")))
	if err != nil || n < 0 || n > 100 {
		return 0, false
	}
	return n, true
}

// ProgressBar draws a job's `process` as ten cells and the figure.
func ProgressBar(process string) string {
	p, ok := percent(process)
	if !ok {
		if process == "" {
			return "`░░░░░░░░░░` waiting for the first progress report"
		}
		return "progress " + esc(process)
	}
	return "`" + strings.Repeat("▓", p/10) + strings.Repeat("░", 10-p/10) + "` " + strconv.Itoa(p) + "%"
}

// Remaining estimates the time left from the share done so far, assuming
// the job goes on at the pace it went.
func Remaining(process string, elapsed time.Duration) (time.Duration, bool) {
	p, ok := percent(process)
	if !ok || p == 0 || elapsed <= 0 {
		return 0, false
	}
	return time.Duration(float64(elapsed) * float64(100-p) / float64(p)), true
}

func RoundDur(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Second).String()
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return RoundDur(max(now.Sub(t), 0)) + " ago"
}

func left(t, now time.Time) string { return RoundDur(max(t.Sub(now), 0)) }

// homeDecisionButtons are the approval message's Approve and Deny, with an
// Approve confirmation that says what the approval binds: the exact
// restore point and, for a table restore, the renames, as many as fit.
func homeDecisionButtons(r approvals.Request) []slack.BlockElement {
	els := decisionButtons(r)
	if b, ok := els[0].(*slack.ButtonBlockElement); ok && b.Confirm != nil {
		b.Confirm.Text = Mrkdwn(confirmText(r))
	}
	return els
}

// maxConfirmText is Slack's limit on a confirmation dialog's text.
const maxConfirmText = 300

func confirmText(r approvals.Request) string {
	p := r.Params
	at := fmt.Sprintf("%s (`%d` ms)", p.RestoreTime().UTC().Format("2006-01-02 15:04:05 UTC"), p.RestoreTimeMs)
	switch p.Type {
	case approvals.TypeBackup:
		return Truncate("Restore "+whatLine(r)+".", maxConfirmText)
	case approvals.TypeTimestamp:
		return Truncate("Restore "+whatLine(r)+". Restore point: "+at+".", maxConfirmText)
	}
	s := fmt.Sprintf("Restore %d %s of %s as of %s under new names:", len(p.Tables), plural(len(p.Tables), "table", "tables"),
		instanceLabel(p.SourceName, p.SourceID), at)
	for i, t := range p.Tables {
		name := fmt.Sprintf(" `%s.%s` → `%s.%s`", esc(t.Database), esc(t.OldName), esc(t.Database), esc(t.NewName))
		if i > 0 {
			name = "," + name
		}
		more := ""
		if rest := len(p.Tables) - i - 1; rest > 0 {
			more = fmt.Sprintf(" and %d more (listed above)", rest)
		}
		if utf8.RuneCountInString(s+name+more) > maxConfirmText {
			s += fmt.Sprintf(" and %d more (listed above)", len(p.Tables)-i)
			break
		}
		s += name
	}
	return Truncate(s, maxConfirmText)
}
