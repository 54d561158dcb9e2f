// Package msgtext writes the short pieces of Slack mrkdwn text the bot's
// messages share: escaping, instance labels, mentions, one-line summaries of
// a request and the words for its states. Its mrkdwn helpers (Esc,
// Instance, Mentions, What) are the Slack packages' (slackview, slackapp)
// alone: the engine packages (execution, intake) report data and never write
// mrkdwn (a test in slackview reads them to make sure); About and Plural are plain words.
package msgtext

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Esc neutralises Slack's control characters in text people typed or the
// cloud returned, so that `<!channel>` or `<@U…>` in a reason or a job ID
// never pings anyone.
func Esc(s string) string { return escaper.Replace(s) }

// Instance names an instance for people: its name and its ID.
func Instance(name, id string) string {
	if name == "" || name == id {
		return "`" + Esc(id) + "`"
	}
	return "*" + Esc(name) + "* (`" + Esc(id) + "`)"
}

// Stamp is an instant in UTC to the minute.
func Stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Mentions renders approver IDs as Slack mentions: users as <@U…>, user
// groups as <!subteam^S…>. These IDs come from our configuration, never
// from user input.
func Mentions(ids []string) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			out = append(out, "<!subteam^"+id+">")
		} else {
			out = append(out, "<@"+id+">")
		}
	}
	return strings.Join(out, ", ")
}

// What is a one-line summary used in threads, DMs and the incident channel.
func What(r approvals.Request) string {
	p := r.Params
	if p.Type == approvals.TypeTables {
		return fmt.Sprintf("%d %s of %s as of %s under new names", len(p.Tables), Plural(len(p.Tables), "table", "tables"),
			Instance(p.SourceName, p.SourceID), Stamp(p.RestoreTime()))
	}
	var from string
	if p.Type == approvals.TypeBackup || p.BackupID != "" {
		from = "backup `" + Esc(p.BackupID) + "`"
	} else {
		from = "point in time " + Stamp(p.RestoreTime())
	}
	if p.Overwrite() {
		return fmt.Sprintf("%s from %s, overwriting it", Instance(p.TargetName, p.TargetID), from)
	}
	if p.Type == approvals.TypeNewInstance && p.New != nil {
		return fmt.Sprintf("%s → a new instance `%s` from %s", Instance(p.SourceName, p.SourceID), Esc(p.New.Name), from)
	}
	return fmt.Sprintf("%s → %s from %s", Instance(p.SourceName, p.SourceID), Instance(p.TargetName, p.TargetID), from)
}

// About rounds a duration for people: seconds under a minute, minutes
// under a day, else hours.
func About(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Round(time.Second).Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%d min", int(d.Round(time.Minute).Minutes()))
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// Plural picks the word for n things.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// StateWords says a state the way people read it.
func StateWords(s approvals.State) string {
	switch s {
	case approvals.StateQueued:
		return "approved, waiting for the instance"
	case approvals.StateExecuting:
		return "approved and being submitted"
	case approvals.StateSubmitted:
		return "approved and running"
	case approvals.StateUnknown:
		return "approved, with an unknown outcome"
	case approvals.StateDryRun:
		return "approved (dry run)"
	}
	return strings.ReplaceAll(string(s), "_", " ")
}
