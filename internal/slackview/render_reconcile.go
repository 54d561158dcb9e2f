package slackview

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

// The words of reconciliation's conclusions about an unknown outcome.

func renderReconcileGaveUp(r approvals.Request, ev execution.ReconcileGaveUp) Delivery {
	thread := fmt.Sprintf(":mag: No restore job was found on %s in GaussDB's job list within %s of the call (at %s): the restore did not start. A new request is safe; nothing was re-submitted.",
		targetLabel(r), ev.Within, stamp(ev.Called))
	if len(ev.Passed) > 0 {
		thread += "\nJobs seen that are not this request's:\n" + jobLines(r, ev.Passed)
	}
	return Delivery{Refresh: true, Thread: []string{thread},
		Announce: fmt.Sprintf(":mag: Restore `%s` (outcome was unknown): no restore job found in GaussDB, a new request is safe: %s", r.ID, whatLine(r)),
		DM:       fmt.Sprintf(":mag: Your restore `%s` did not start (no restore job found in GaussDB); a new request is safe.", r.ID)}
}

func renderReconcileUnclear(r approvals.Request, ev execution.ReconcileUnclear) Delivery {
	n := jobCount(len(ev.Jobs))
	return Delivery{Refresh: true,
		Thread: []string{fmt.Sprintf(":warning: *Check the GaussDB console:* its job list shows %s that could be this restore's, around the call (sent %s):\n%s\nThe bot cannot tell which, if any, is this request's, so it attached none and stops looking. Nothing was re-submitted; check %s and these jobs in the console before anyone requests this restore again.",
			n, stampSeconds(ev.Called), jobLines(r, ev.Jobs), targetLabel(r))},
		Announce: fmt.Sprintf(":warning: Restore `%s` (outcome unknown): %s in GaussDB could be its own; check the console: %s", r.ID, n, whatLine(r)),
		DM:       fmt.Sprintf(":warning: Your restore `%s` may have started: GaussDB lists %s that could be its own. Check them in the console before you request it again.", r.ID, n)}
}

// renderJobClaimedElsewhere is said in the thread only, like the other
// answers that contradict the job list.
func renderJobClaimedElsewhere(ev execution.JobClaimedElsewhere) Delivery {
	return Delivery{Thread: []string{fmt.Sprintf(":warning: GaussDB answered this restore call with job `%s`, which the bot had attached to request `%s` from the job list. Check both requests and the job in the GaussDB console.",
		esc(ev.JobID), esc(ev.Owner))}}
}

// lateAnswerContradicts adds to a late answer's delivery that it
// contradicts what reconciliation had said.
func lateAnswerContradicts(r approvals.Request, ev execution.LateAnswer, d Delivery) Delivery {
	if ev.Reconciled == "" {
		return d
	}
	d.Thread = append(d.Thread, fmt.Sprintf(":warning: This answer contradicts what the bot said after reading GaussDB's job list (%s). If anyone requested this restore again since, check both on %s in the GaussDB console.",
		esc(ev.Reconciled), targetLabel(r)))
	d.Announce += " (this contradicts the earlier reading of the job list; check the console)"
	return d
}

func jobCount(n int) string {
	if n == 1 {
		return "1 job"
	}
	return fmt.Sprintf("%d jobs", n)
}

// maxJobsShown bounds the jobs one message lists.
const maxJobsShown = 5

// jobLines lists jobs reconciliation judged, one line each, with why.
func jobLines(r approvals.Request, jobs []execution.JobSeen) string {
	var lines []string
	for i, j := range jobs {
		if i == maxJobsShown {
			lines = append(lines, fmt.Sprintf("• and %d more", len(jobs)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("• `%s` (%s, %s) on %s, created %s: %s", esc(j.ID), esc(j.Name), esc(j.Status),
			jobInstance(r, j.InstanceID), stampSeconds(j.Created), jobWhy(r, j)))
	}
	return strings.Join(lines, "\n")
}

func jobInstance(r approvals.Request, id string) string {
	switch id {
	case r.Params.TargetID:
		return targetLabel(r)
	case r.Params.SourceID:
		return instanceLabel(r.Params.SourceName, r.Params.SourceID)
	}
	return "`" + esc(id) + "`"
}

func jobWhy(r approvals.Request, j execution.JobSeen) string {
	switch j.Why {
	case execution.JobCandidate:
		return "a restore on the target, created after the call"
	case execution.JobOtherInstance:
		return "a restore listed under the call's other instance"
	case execution.JobUnknownName:
		return "its name does not say what it does"
	case execution.JobNearCall:
		return "created seconds before the call, within the clocks' tolerance"
	case execution.JobNoTime:
		return "the job list gives no creation time"
	case execution.JobOtherRequest:
		return "it belongs to request `" + esc(j.Owner) + "`"
	case execution.JobBeforeCall:
		return "it started before the call"
	case execution.JobOtherKind:
		if r.Params.Type == approvals.TypeTables {
			return "it is an instance restore, not a table restore"
		}
		return "it is a table restore, not an instance restore"
	}
	return esc(string(j.Why))
}

// stampSeconds is an instant in UTC to the second: telling a job from a
// call needs it.
func stampSeconds(t time.Time) string {
	if t.IsZero() {
		return "at an unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
