package slackview

import (
	"fmt"
	"strings"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/policy"
)

// The words of restore drills: each run announced and reported, failed,
// stale-backup and overdue drills, and /db-restore drills.

// DrillFailedText is the incident channel's line for a failed run.
func DrillFailedText(e drill.Event) string {
	return fmt.Sprintf(":x: Restore drill *%s* failed: %s", msgtext.Esc(e.Drill.Name), msgtext.Esc(e.Run.Reason))
}

// DrillStartedText announces a run.
func DrillStartedText(e drill.Event) string {
	var names []string
	for _, t := range e.Run.Targets {
		names = append(names, msgtext.Instance(t.SourceName, t.SourceID))
	}
	who := "on schedule (" + msgtext.Esc(e.Drill.Schedule.String()) + ")"
	if e.Run.Manual != "" {
		who = "asked for by <@" + msgtext.Esc(e.Run.Manual) + ">"
	}
	return fmt.Sprintf(":test_tube: Restore drill *%s* started %s: restoring %s to a new instance (pay-per-use while it lives, deleted after the checks). No approval: the policy file's drills: is the approval. A report follows.",
		msgtext.Esc(e.Drill.Name), who, orNothing(strings.Join(names, ", ")))
}

func orNothing(s string) string {
	if s == "" {
		return "no instance"
	}
	return s
}

// DrillReportText is the one report of a run.
func DrillReportText(e drill.Event) string {
	r := e.Run
	var b strings.Builder
	if r.Passed() {
		fmt.Fprintf(&b, ":white_check_mark: Restore drill *%s* passed", msgtext.Esc(r.Drill))
	} else {
		fmt.Fprintf(&b, ":x: Restore drill *%s* FAILED: %s", msgtext.Esc(r.Drill), msgtext.Esc(r.Reason))
	}
	fmt.Fprintf(&b, " (run `%s`)\n", msgtext.Esc(r.ID))
	for _, t := range r.Targets {
		writeTarget(&b, t)
	}
	if s := e.Stats; s.Recoveries > 0 {
		fmt.Fprintf(&b, "Median recovery of the last %d: %s", s.Recoveries, msgtext.About(s.Median))
		if s.Trend != "" {
			b.WriteString(", " + s.Trend)
		}
		b.WriteString(".\n")
	}
	return strings.TrimSpace(b.String())
}

func writeTarget(b *strings.Builder, t drill.TargetRun) {
	from := "point in time " + stampOr(t.Instant)
	if t.BackupID != "" {
		from = "backup `" + msgtext.Esc(t.BackupID) + "` of " + stampOr(t.Instant)
	}
	if t.Age > 0 {
		from += " (" + msgtext.About(t.Age) + " old)"
	}
	fmt.Fprintf(b, "• %s: %s", msgtext.Instance(t.SourceName, t.SourceID), from)
	if t.NewName != "" {
		fmt.Fprintf(b, " → `%s`", msgtext.Esc(t.NewName))
	}
	b.WriteString("\n")
	if d := t.Recovery(); d > 0 {
		fmt.Fprintf(b, "   recovery: %s to ACTIVE", msgtext.About(d))
		if r := t.Ready(); r > 0 {
			fmt.Fprintf(b, ", %s to checks done", msgtext.About(r))
		}
		b.WriteString("\n")
	}
	for _, c := range t.Checks {
		mark, what := ":white_check_mark:", ""
		if c.Got != "" {
			what = ": " + msgtext.Esc(c.Got)
		}
		if !c.Pass {
			mark, what = ":x:", ": "+msgtext.Esc(c.Reason)
		}
		fmt.Fprintf(b, "   %s `%s`%s\n", mark, msgtext.Esc(c.Check), what)
	}
	if !t.Pass && t.Reason != "" && len(t.Checks) == 0 {
		fmt.Fprintf(b, "   :x: %s\n", msgtext.Esc(t.Reason))
	}
	if t.DeleteNote != "" {
		fmt.Fprintf(b, "   instance %s\n", msgtext.Esc(t.DeleteNote))
	}
}

// StaleBackupText says an instance's newest backup is too old.
func StaleBackupText(e drill.Event) string {
	what := "has no COMPLETED backup"
	if e.Backup != nil {
		what = fmt.Sprintf("has no backup newer than %s: its newest COMPLETED backup `%s` is %s old", msgtext.About(e.MaxAge), msgtext.Esc(e.Backup.ID), msgtext.About(e.Age))
	}
	return fmt.Sprintf(":warning: Stale backups: %s %s (max_backup_age %s). Said once; the bot says nothing more until a newer backup completes.",
		msgtext.Instance(e.Instance.Name, e.Instance.ID), what, msgtext.Esc(policy.FormatDuration(e.MaxAge)))
}

// DrillOverdueText says a drill has not passed within twice its period.
func DrillOverdueText(e drill.Event) string {
	last := "it has never passed"
	if !e.Stats.LastPass.IsZero() {
		last = "its last pass was " + msgtext.Stamp(e.Stats.LastPass)
	}
	return fmt.Sprintf(":warning: Restore drill *%s* is overdue: %s (%s); next run %s.",
		msgtext.Esc(e.Drill.Name), last, msgtext.Esc(e.Drill.Schedule.String()), stampOr(e.Next))
}

// DrillsText is the answer to /db-restore drills: each drill's schedule,
// last run, median and trend, and next run.
func DrillsText(rows []drill.Status) string {
	if len(rows) == 0 {
		return "No restore drills: add a `drills:` list to the policy file (see the README's Drills section)."
	}
	var b strings.Builder
	b.WriteString("*Restore drills*\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "• *%s* — %s; ", msgtext.Esc(r.Drill.Name), msgtext.Esc(r.Drill.Schedule.String()))
		switch l := r.Stats.Last; {
		case r.Running:
			b.WriteString("running now; ")
		case l == nil:
			b.WriteString("never run; ")
		case l.Passed():
			fmt.Fprintf(&b, "last run passed %s (recovery %s); ", msgtext.Stamp(l.Ended), msgtext.About(l.Recovery()))
		default:
			fmt.Fprintf(&b, "last run FAILED %s: %s; ", msgtext.Stamp(l.Ended), msgtext.Esc(l.Reason))
		}
		if r.Stats.Recoveries > 0 {
			fmt.Fprintf(&b, "median of the last %d: %s", r.Stats.Recoveries, msgtext.About(r.Stats.Median))
			if r.Stats.Trend != "" {
				b.WriteString(" (" + r.Stats.Trend + ")")
			}
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "next %s", stampOr(r.Next))
		if n := len(r.Kept); n > 0 {
			fmt.Fprintf(&b, "; %d %s still to delete", n, msgtext.Plural(n, "instance", "instances"))
			for _, k := range r.Kept {
				fmt.Fprintf(&b, " `%s`", msgtext.Esc(k.Name))
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}
