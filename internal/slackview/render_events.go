package slackview

import (
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// Delivery is what one event says, and where: every word of a restore's
// life after approval is chosen here, once per event, and sent by
// App.deliver. Empty parts are not sent.
type Delivery struct {
	Refresh  bool     `json:"refresh,omitempty"`  // redraw the approval message (and mark Home tabs)
	Thread   []string `json:"thread,omitempty"`   // messages in the approval message's thread, in order
	Announce string   `json:"announce,omitempty"` // one line in the incident and notify channels
	DM       string   `json:"dm,omitempty"`       // to the requester
	// Answer is for the person who acted, where they asked (a Decision's);
	// deliver leaves it to the handler that answers them.
	Answer string `json:"answer,omitempty"`
}

// Render is the delivery of ev for r (the request as stored after the
// step). ok is false for an event it does not know (a Progress, which has
// its own message, included).
func Render(r approvals.Request, ev execution.Event) (d Delivery, ok bool) {
	switch ev := ev.(type) {
	case execution.Approved:
		return Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":gear: Approved by %s. Re-checking the backup and the restore window, then submitting.",
			mentionList(approverIDs(r)))}}, true
	case execution.SafetyBackupSkipped:
		return Delivery{Thread: []string{fmt.Sprintf(":test_tube: Dry run: no safety backup is taken. It would be a manual backup `%s` of %s, and the restore would be called only once it completed.",
			esc(ev.Name), targetLabel(r))}}, true
	case execution.SafetyBackupStarted:
		return Delivery{Thread: []string{fmt.Sprintf(":shield: Taking a safety backup `%s` of %s before restoring (job `%s`). The restore is called only once it is complete.",
			esc(ev.BackupID), targetLabel(r), esc(ev.JobID))}}, true
	case execution.SafetyBackupTaken:
		return Delivery{Thread: []string{fmt.Sprintf(":shield: Safety backup `%s` is complete. To put %s back as it was before this restore:\n`%s`",
			esc(ev.BackupID), targetLabel(r), esc(ev.Undo))}}, true
	case execution.Submitted:
		return renderSubmitted(r, ev), true
	case execution.DryRun:
		return renderEnded(r, approvals.StateDryRun, ":test_tube: Dry run: the restore call was *not* made. It would have been:\n```"+esc(ev.Call)+"```"), true
	case execution.OutcomeUnknown:
		return renderEnded(r, approvals.StateUnknown, ":grey_question: *Outcome unknown:* "+esc(ev.Detail)+".\nCheck the target instance in the GaussDB console (status RESTORING?) and its recent jobs before anyone tries again. The bot also looks for the job in GaussDB's job list and says here what it finds."), true
	case execution.NotCalled:
		return renderEnded(r, approvals.StateFailed, ":x: *Restore failed:* "+esc(ev.Why)), true
	case execution.Refused:
		return renderEnded(r, approvals.StateFailed, ":x: *Restore failed:* "+esc(ev.Detail)), true
	case execution.NotSent:
		return renderEnded(r, approvals.StateFailed, ":x: *Restore failed:* "+esc(ev.Detail)), true
	case execution.NotDurable:
		return renderNotDurable(r), true
	case execution.Stopped:
		why := esc(ev.Why)
		return Delivery{Refresh: true, Thread: []string{":octagonal_sign: *Stopped:* " + why + ". Nothing was restored."},
			Announce: fmt.Sprintf(":octagonal_sign: Restore `%s` stopped: %s: %s", r.ID, why, whatLine(r)),
			DM:       fmt.Sprintf(":octagonal_sign: Your restore `%s` was stopped: %s.", r.ID, why)}, true
	case execution.JobOverdue:
		running := ev.Running.Round(time.Minute)
		return Delivery{Thread: []string{fmt.Sprintf(":hourglass: Restore job `%s` is still running after %s (more than RESTORE_JOB_TIMEOUT, %s). The bot keeps following it; check the instance in the GaussDB console.",
			esc(ev.JobID), running, ev.Limit)},
			Announce: fmt.Sprintf(":hourglass: Restore `%s` is still running after %s: %s", r.ID, running, whatLine(r))}, true
	case execution.Completed:
		return renderCompleted(r, ev), true
	case execution.JobFailed:
		return Delivery{Refresh: true, Thread: []string{":x: *Restore job failed:* " + esc(r.Detail)},
			Announce: fmt.Sprintf(":x: Restore `%s` failed: %s", r.ID, whatLine(r)),
			DM:       fmt.Sprintf(":x: Your restore `%s` failed: %s", r.ID, esc(r.Detail))}, true
	}
	return renderLate(r, ev)
}

// renderLate renders what happens after an unknown outcome: late answers,
// reconciliation, and a replica's death mid-execution.
func renderLate(r approvals.Request, ev execution.Event) (Delivery, bool) {
	switch ev := ev.(type) {
	case execution.LateAnswer:
		return lateAnswerContradicts(r, ev, renderLateAnswer(r, ev)), true
	case execution.Contradiction:
		return renderContradiction(r, ev), true
	case execution.Reconciled:
		job := esc(ev.JobID)
		return Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":mag: GaussDB's job list shows restore job `%s` (%s) on %s, created at %s, after the call: the restore did start. The job is attached to this request and followed; nothing was re-submitted.",
			job, esc(ev.Status), targetLabel(r), stamp(ev.Created))},
			Announce: fmt.Sprintf(":mag: Restore `%s` (outcome was unknown): job `%s` found in GaussDB and followed: %s", r.ID, job, whatLine(r)),
			DM:       fmt.Sprintf(":mag: Your restore `%s` did start after all (job `%s`); the bot follows it: %s", r.ID, job, whatLine(r))}, true
	case execution.ReconcileGaveUp:
		return renderReconcileGaveUp(r, ev), true
	case execution.ReconcileUnclear:
		return renderReconcileUnclear(r, ev), true
	case execution.JobClaimedElsewhere:
		return renderJobClaimedElsewhere(ev), true
	case execution.Interrupted:
		return renderInterrupted(r, ev), true
	}
	if d, ok := renderNewInstance(r, ev); ok {
		return d, true
	}
	return RenderQueue(r, ev)
}

func renderSubmitted(r approvals.Request, ev execution.Submitted) Delivery {
	job, by := esc(ev.JobID), mentionList(approverIDs(r))
	return Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":rocket: Restore submitted to GaussDB. Job ID: `%s`", job)},
		Announce: fmt.Sprintf(":rocket: Restore `%s` approved by %s and submitted, job `%s`: %s", r.ID, by, job, whatLine(r)),
		DM:       fmt.Sprintf(":rocket: Your restore `%s` was approved by %s and submitted (job `%s`): %s", r.ID, by, job, whatLine(r))}
}

// renderEnded is a request ended by the execution before any job ran:
// the thread's text, and the announcement and DM every such end shares.
func renderEnded(r approvals.Request, to approvals.State, thread string) Delivery {
	emoji := stateEmoji(to)
	return Delivery{Refresh: true, Thread: []string{thread},
		Announce: fmt.Sprintf("%s Restore `%s` %s: %s", emoji, r.ID, stateWords(to), whatLine(r)),
		DM:       fmt.Sprintf("%s Your restore `%s` is %s: %s", emoji, r.ID, stateWords(to), esc(r.Detail))}
}

func renderNotDurable(r approvals.Request) Delivery {
	return Delivery{Refresh: true,
		Thread: []string{":x: *Restore not called:* the approval store (Redis) could not confirm the approval durably, " +
			"so nothing was restored. Please file a new request and approve it again."},
		Announce: fmt.Sprintf(":x: Restore `%s` not called: the store could not confirm the approval durably: %s", r.ID, whatLine(r)),
		DM: fmt.Sprintf(":x: Your restore request `%s` was approved, but the approval store could not confirm it durably, "+
			"so the restore was *not* called. Please re-request it.", r.ID)}
}

func renderCompleted(r approvals.Request, ev execution.Completed) Delivery {
	took := ""
	if ev.Timed {
		took = ev.Took.Round(time.Second).String()
	}
	d := Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":white_check_mark: Restore completed (job `%s`, %s after submission).%s",
		esc(ev.JobID), took, compareEstimate(r, ev))}}
	if r.Params.Type == approvals.TypeTables {
		d.Thread = append(d.Thread, tablesReport(r, ev.At)...)
	}
	d.Announce = fmt.Sprintf(":white_check_mark: Restore `%s` completed in %s: %s", r.ID, took, whatLine(r))
	d.DM = fmt.Sprintf(":white_check_mark: Your restore `%s` completed in %s: %s", r.ID, took, whatLine(r))
	return d
}

// compareEstimate says how the run compared with the request's estimate.
func compareEstimate(r approvals.Request, ev execution.Completed) string {
	if r.Estimate == nil || !ev.Timed {
		return ""
	}
	word := "about as estimated"
	switch {
	case ev.Took > r.Estimate.Duration*5/4+time.Minute:
		word = "longer than estimated"
	case ev.Took < r.Estimate.Duration*3/4-time.Minute:
		word = "quicker than estimated"
	}
	return fmt.Sprintf(" It took %s; the estimate was about %s, so %s.", msgtext.About(ev.Took), msgtext.About(r.Estimate.Duration), word)
}

func renderLateAnswer(r approvals.Request, ev execution.LateAnswer) Delivery {
	if ev.JobID == "" {
		return Delivery{Refresh: true, Thread: []string{":x: *Late answer:* after this request was reported as outcome unknown, " + esc(ev.Refused) + ". Nothing was restored."},
			Announce: fmt.Sprintf(":x: Restore `%s`: late answer, nothing was restored: %s", r.ID, whatLine(r)),
			DM:       fmt.Sprintf(":x: Your restore `%s` (reported as outcome unknown) got a late answer: %s.", r.ID, esc(ev.Refused))}
	}
	job := esc(ev.JobID)
	return Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":rocket: *Late answer:* GaussDB accepted the restore after all, job `%s`, after this request was reported as outcome unknown. The job is recorded and followed; nothing was re-submitted.", job)},
		Announce: fmt.Sprintf(":rocket: Restore `%s`: late answer from GaussDB, job `%s` is running: %s", r.ID, job, whatLine(r)),
		DM:       fmt.Sprintf(":rocket: Your restore `%s` (reported as outcome unknown) was accepted by GaussDB after all (job `%s`): %s", r.ID, job, whatLine(r))}
}

// renderContradiction is said in the thread only: the late answer differs
// from what the thread already said, so people look at both.
func renderContradiction(r approvals.Request, ev execution.Contradiction) Delivery {
	answer := "job `" + esc(ev.JobID) + "`"
	if ev.JobID == "" {
		answer = "a refusal"
	}
	if ev.Attached == "" {
		return Delivery{Thread: []string{fmt.Sprintf(":warning: *Late answer:* GaussDB answered the restore call with %s after this request had ended (%s); the bot does not follow it. Nothing was re-submitted; check %s in the GaussDB console.",
			answer, esc(string(ev.State)), targetLabel(r))}}
	}
	return Delivery{Thread: []string{fmt.Sprintf(":warning: *Late answer:* GaussDB answered the restore call with %s, but this request follows job `%s`, found in the job list. Nothing was re-submitted; check both jobs on %s in the GaussDB console.",
		answer, esc(ev.Attached), targetLabel(r))}}
}

func renderInterrupted(r approvals.Request, ev execution.Interrupted) Delivery {
	if !ev.MayHaveCalled {
		return Delivery{Refresh: true, Thread: []string{":x: *Not called:* the bot stopped before calling GaussDB, so nothing was restored. It is safe to request this restore again."},
			Announce: fmt.Sprintf(":x: Restore `%s` was not called (the bot stopped before calling GaussDB; safe to request again): %s", r.ID, whatLine(r)),
			DM:       fmt.Sprintf(":x: Your restore `%s` was not called: the bot stopped before calling GaussDB. Nothing was restored; it is safe to request it again.", r.ID)}
	}
	return Delivery{Refresh: true, Thread: []string{":grey_question: *Outcome unknown:* the bot stopped while submitting this restore, so it cannot tell whether GaussDB received it. It was *not* retried. Check the target instance's status and recent jobs in the GaussDB console; the bot also looks for the job in GaussDB's job list and says here what it finds."},
		Announce: fmt.Sprintf(":grey_question: Restore `%s` has an unknown outcome (the bot stopped while submitting): %s", r.ID, whatLine(r))}
}

// targetLabel names the request's target instance.
func targetLabel(r approvals.Request) string {
	return instanceLabel(r.Params.TargetName, r.Params.TargetID)
}

func approverIDs(r approvals.Request) []string {
	ids := make([]string, 0, len(r.Approvals))
	for _, ap := range r.Approvals {
		ids = append(ids, ap.User)
	}
	return ids
}

func stateEmoji(s approvals.State) string {
	switch s {
	case approvals.StateDryRun:
		return ":test_tube:"
	case approvals.StateUnknown:
		return ":grey_question:"
	case approvals.StateCompleted:
		return ":white_check_mark:"
	}
	return ":x:"
}
