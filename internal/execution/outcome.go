package execution

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// notCalled ends the request as failed before any restore call was made.
func (e *Executor) notCalled(ctx context.Context, log zerolog.Logger, req approvals.Request, detail string) {
	e.m.RestoreCall("not_called")
	e.finish(ctx, log, req, NotCalled{Why: detail})
}

// NotDurable tells everyone that the approval which reached the threshold
// could not be confirmed by the Redis replicas, so nothing was called and a
// new request is needed (the store has ended this one as failed).
func (e *Executor) NotDurable(ctx context.Context, req approvals.Request) {
	e.m.RestoreCall("not_called")
	e.m.Transition(string(approvals.StateFailed))
	e.say.Report(ctx, req, NotDurable{})
}

// stopped reports a request the check before a call ended ("stopped: <why>,
// restore not called"): in the thread, the incident channel and to the
// requester. The store has already audited it.
func (e *Executor) stopped(ctx context.Context, rec approvals.Request) {
	e.m.RestoreCall("not_called")
	e.m.Transition(string(rec.State))
	e.say.Report(ctx, rec, Stopped{Why: strings.TrimPrefix(rec.Detail, "stopped: ")})
}

// submitted records the job ID and tells everyone. The record is retried:
// the restore is already running, and losing its job ID would be worse than
// a slow Slack message. A request already marked outcome_unknown (its lease
// lapsed while the call was in flight) gets the job as a late answer.
func (e *Executor) submitted(ctx context.Context, log zerolog.Logger, req approvals.Request, jobID string) {
	var (
		rec     approvals.Request
		err     error
		refusal *approvals.Refusal
	)
	for attempt := 0; attempt < 6; attempt++ {
		if rec, err = e.store.MarkSubmitted(ctx, req.ID, jobID); err == nil || errors.As(err, &refusal) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
	switch {
	case refusal != nil && refusal.State == approvals.StateUnknown:
		e.lateAnswer(ctx, log, req, jobID, "")
		return
	case refusal != nil:
		e.answerAfterReconcile(ctx, log, req, jobID, refusal.Request)
		return
	case err != nil:
		log.Error().Err(err).Str("job_id", jobID).Msg("could not record the job ID")
		req.State, req.JobID = approvals.StateSubmitted, jobID
		rec = req
	}
	rec = SamePlace(rec, req)
	e.indexJob(ctx, log, rec, jobID)
	e.m.Transition(string(approvals.StateSubmitted))
	e.say.Report(ctx, rec, Submitted{JobID: jobID})
}

// lateAnswer records the restore call's answer that came after the request
// was marked outcome_unknown: a job ID (the request becomes submitted and
// is followed) or a refusal (failed).
func (e *Executor) lateAnswer(ctx context.Context, log zerolog.Logger, req approvals.Request, jobID, refused string) {
	detail := "late answer: GaussDB accepted the restore as job " + jobID + " after its outcome was reported unknown"
	if jobID == "" {
		detail = "late answer: " + refused
	}
	reconciled := e.reconciledBefore(ctx, req.ID)
	if reconciled != "" {
		detail += "; it contradicts what reconciliation concluded (" + reconciled + ")"
	}
	rec, err := e.store.LateAnswer(ctx, req.ID, jobID, detail)
	var refusal *approvals.Refusal
	if errors.As(err, &refusal) {
		e.answerAfterReconcile(ctx, log, req, jobID, refusal.Request)
		return
	}
	if err != nil {
		log.Error().Err(err).Str("job_id", jobID).Msg("could not record the late answer")
		return
	}
	log.Warn().Str("job_id", jobID).Str("state", string(rec.State)).Bool("contradicts_reconciliation", reconciled != "").Msg("late answer to the restore call recorded")
	rec = SamePlace(rec, req)
	if jobID != "" {
		e.indexJob(ctx, log, rec, jobID)
	}
	e.m.Transition(string(rec.State))
	e.say.Report(ctx, rec, LateAnswer{JobID: jobID, Refused: refused, Reconciled: reconciled})
}

// answerAfterReconcile handles the restore call's answer arriving after
// the request was settled another way: most often reconciliation attached
// the job from GaussDB's job list (it appears there as the answer leaves). The same job: nothing to do but
// note it. Anything else contradicts what the thread says, so people are
// told to look at both, in the thread and the audit trail.
func (e *Executor) answerAfterReconcile(ctx context.Context, log zerolog.Logger, req approvals.Request, jobID string, now approvals.Request) {
	log = log.With().Str("job_id", jobID).Str("attached_job_id", now.JobID).Str("state", string(now.State)).Logger()
	if jobID != "" && jobID == now.JobID {
		log.Info().Msg("late answer names the job reconciliation already attached")
		if err := e.store.NoteAnswer(ctx, req.ID, "late answer: job "+jobID+", the one already attached from the job list"); err != nil {
			log.Debug().Err(err).Msg("could not note the late answer in the audit trail")
		}
		return
	}
	log.Error().Msg("late answer contradicts the job attached from the job list")
	if err := e.store.NoteAnswer(ctx, req.ID, "late answer contradicts reconciliation: GaussDB answered "+firstOf(jobID, "a refusal")+", the job list gave "+firstOf(now.JobID, "no job")); err != nil {
		log.Warn().Err(err).Msg("could not note the contradicting late answer in the audit trail")
	}
	e.say.Report(ctx, SamePlace(now, req), Contradiction{JobID: jobID, Attached: now.JobID, State: now.State})
}

// reconciledBefore is what reconciliation concluded for request id while it
// stays outcome unknown (no job found, or jobs to check in the console), ""
// when it has not concluded. A late answer after it contradicts what the
// thread said.
func (e *Executor) reconciledBefore(ctx context.Context, id string) string {
	r, err := e.store.Get(ctx, id)
	if err != nil || r.State != approvals.StateUnknown || !strings.HasPrefix(r.Detail, "reconciled: ") {
		return ""
	}
	return strings.TrimPrefix(r.Detail, "reconciled: ")
}

// finish ends an executing request in a final state (the one ev stands
// for: DryRun, OutcomeUnknown, or failed for the rest) and tells everyone.
func (e *Executor) finish(ctx context.Context, log zerolog.Logger, req approvals.Request, ev Event) {
	to, detail := outcomeOf(ev)
	var (
		rec approvals.Request
		err error
	)
	switch to {
	case approvals.StateDryRun:
		rec, err = e.store.MarkDryRun(ctx, req.ID, detail)
	case approvals.StateUnknown:
		rec, err = e.store.MarkUnknown(ctx, req.ID, detail)
	default:
		rec, err = e.store.MarkFailed(ctx, req.ID, detail)
	}
	var refusal *approvals.Refusal
	switch {
	case errors.As(err, &refusal) && refusal.State == approvals.StateUnknown && to == approvals.StateFailed:
		// The answer came after the request was reported unknown.
		e.lateAnswer(ctx, log, req, "", detail)
		return
	case errors.As(err, &refusal):
		// Already ended elsewhere (the reaper, after this replica lost its
		// lease): whoever ended it has reported it.
		log.Warn().Err(err).Str("state", string(to)).Msg("outcome not recorded: the request had already ended")
		return
	case err != nil:
		log.Error().Err(err).Str("state", string(to)).Msg("could not record the outcome")
		req.State, req.Detail = to, detail
		rec = req
	}
	rec = SamePlace(rec, req)
	e.m.Transition(string(to))
	e.say.Report(ctx, rec, ev)
}

// outcomeOf is the final state an ending event leads to, and the detail
// the store records for it.
func outcomeOf(ev Event) (approvals.State, string) {
	switch ev := ev.(type) {
	case DryRun:
		return approvals.StateDryRun, ev.Call
	case OutcomeUnknown:
		return approvals.StateUnknown, ev.Detail
	case NotCalled:
		return approvals.StateFailed, ev.Why
	case Refused:
		return approvals.StateFailed, ev.Detail
	case NotSent:
		return approvals.StateFailed, ev.Detail
	}
	return approvals.StateFailed, "internal error: no outcome for this event"
}
