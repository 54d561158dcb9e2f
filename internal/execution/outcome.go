package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// notCalled ends the request as failed before any restore call was made.
func (e *Executor) notCalled(ctx context.Context, log zerolog.Logger, req approvals.Request, detail string) {
	e.m.RestoreCall("not_called")
	e.finish(ctx, log, req, approvals.StateFailed, detail)
}

// NotDurable tells everyone that the approval which reached the threshold
// could not be confirmed by the Redis replicas, so nothing was called and a
// new request is needed (the store has ended this one as failed).
func (e *Executor) NotDurable(ctx context.Context, req approvals.Request) {
	e.m.RestoreCall("not_called")
	e.m.Transition(string(approvals.StateFailed))
	e.say.Refresh(ctx, req)
	e.say.Thread(ctx, req, ":x: *Restore not called:* the approval store (Redis) could not confirm the approval durably, "+
		"so nothing was restored. Please file a new request and approve it again.")
	e.say.Announce(ctx, req, fmt.Sprintf(":x: Restore `%s` not called: the store could not confirm the approval durably: %s", req.ID, msgtext.What(req)))
	e.say.DM(ctx, req.Requester, fmt.Sprintf(":x: Your restore request `%s` was approved, but the approval store could not confirm it durably, "+
		"so the restore was *not* called. Please re-request it.", req.ID))
}

// stopped reports a request the check before a call ended ("stopped: <why>,
// restore not called"): in the thread, the incident channel and to the
// requester. The store has already audited it.
func (e *Executor) stopped(ctx context.Context, rec approvals.Request) {
	e.m.RestoreCall("not_called")
	e.m.Transition(string(rec.State))
	e.say.Refresh(ctx, rec)
	why := msgtext.Esc(strings.TrimPrefix(rec.Detail, "stopped: "))
	e.say.Thread(ctx, rec, ":octagonal_sign: *Stopped:* "+why+". Nothing was restored.")
	e.say.Announce(ctx, rec, fmt.Sprintf(":octagonal_sign: Restore `%s` stopped: %s: %s", rec.ID, why, msgtext.What(rec)))
	e.say.DM(ctx, rec.Requester, fmt.Sprintf(":octagonal_sign: Your restore `%s` was stopped: %s.", rec.ID, why))
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
	job := msgtext.Esc(jobID)
	e.m.Transition(string(approvals.StateSubmitted))
	e.say.Refresh(ctx, rec)
	e.say.Thread(ctx, rec, fmt.Sprintf(":rocket: Restore submitted to GaussDB. Job ID: `%s`", job))
	e.say.Announce(ctx, rec, fmt.Sprintf(":rocket: Restore `%s` approved by %s and submitted, job `%s`: %s", rec.ID, msgtext.Mentions(approverIDs(rec)), job, msgtext.What(rec)))
	e.say.DM(ctx, rec.Requester, fmt.Sprintf(":rocket: Your restore `%s` was approved by %s and submitted (job `%s`): %s", rec.ID, msgtext.Mentions(approverIDs(rec)), job, msgtext.What(rec)))
}

// lateAnswer records the restore call's answer that came after the request
// was marked outcome_unknown: a job ID (the request becomes submitted and
// is followed) or a refusal (failed).
func (e *Executor) lateAnswer(ctx context.Context, log zerolog.Logger, req approvals.Request, jobID, refused string) {
	detail := "late answer: GaussDB accepted the restore as job " + jobID + " after its outcome was reported unknown"
	if jobID == "" {
		detail = "late answer: " + refused
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
	log.Warn().Str("job_id", jobID).Str("state", string(rec.State)).Msg("late answer to the restore call recorded")
	rec = SamePlace(rec, req)
	e.m.Transition(string(rec.State))
	e.say.Refresh(ctx, rec)
	if jobID == "" {
		e.say.Thread(ctx, rec, ":x: *Late answer:* after this request was reported as outcome unknown, "+msgtext.Esc(refused)+". Nothing was restored.")
		e.say.Announce(ctx, rec, fmt.Sprintf(":x: Restore `%s`: late answer, nothing was restored: %s", rec.ID, msgtext.What(rec)))
		e.say.DM(ctx, rec.Requester, fmt.Sprintf(":x: Your restore `%s` (reported as outcome unknown) got a late answer: %s.", rec.ID, msgtext.Esc(refused)))
		return
	}
	job := msgtext.Esc(jobID)
	e.say.Thread(ctx, rec, fmt.Sprintf(":rocket: *Late answer:* GaussDB accepted the restore after all, job `%s`, after this request was reported as outcome unknown. The job is recorded and followed; nothing was re-submitted.", job))
	e.say.Announce(ctx, rec, fmt.Sprintf(":rocket: Restore `%s`: late answer from GaussDB, job `%s` is running: %s", rec.ID, job, msgtext.What(rec)))
	e.say.DM(ctx, rec.Requester, fmt.Sprintf(":rocket: Your restore `%s` (reported as outcome unknown) was accepted by GaussDB after all (job `%s`): %s", rec.ID, job, msgtext.What(rec)))
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
		if _, err := e.store.Note(ctx, req.ID, "late answer: job "+jobID+", the one already attached from the job list", ""); err != nil {
			log.Debug().Err(err).Msg("could not note the late answer in the audit trail")
		}
		return
	}
	answer := "job `" + msgtext.Esc(jobID) + "`"
	if jobID == "" {
		answer = "a refusal"
	}
	log.Error().Msg("late answer contradicts the job attached from the job list")
	if _, err := e.store.Note(ctx, req.ID, "late answer contradicts reconciliation: GaussDB answered "+firstOf(jobID, "a refusal")+", the job list gave "+firstOf(now.JobID, "no job"), ""); err != nil {
		log.Warn().Err(err).Msg("could not note the contradicting late answer in the audit trail")
	}
	target := msgtext.Instance(req.Params.TargetName, req.Params.TargetID)
	if now.JobID == "" {
		e.say.Thread(ctx, SamePlace(now, req), fmt.Sprintf(":warning: *Late answer:* GaussDB answered the restore call with %s after this request had ended (%s); the bot does not follow it. Nothing was re-submitted; check %s in the GaussDB console.",
			answer, msgtext.Esc(string(now.State)), target))
		return
	}
	e.say.Thread(ctx, SamePlace(now, req), fmt.Sprintf(":warning: *Late answer:* GaussDB answered the restore call with %s, but this request follows job `%s`, found in the job list. Nothing was re-submitted; check both jobs on %s in the GaussDB console.",
		answer, msgtext.Esc(now.JobID), target))
}

// finish ends an executing request in a final state and tells everyone.
func (e *Executor) finish(ctx context.Context, log zerolog.Logger, req approvals.Request, to approvals.State, detail string) {
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
	e.say.Refresh(ctx, rec)
	var text string
	switch to {
	case approvals.StateDryRun:
		text = ":test_tube: Dry run: the restore call was *not* made. It would have been:\n```" + msgtext.Esc(detail) + "```"
	case approvals.StateUnknown:
		text = ":grey_question: *Outcome unknown:* " + msgtext.Esc(detail) + ".\nCheck the target instance in the GaussDB console (status RESTORING?) and its recent jobs before anyone tries again. The bot also looks for the job in GaussDB's job list and says here what it finds."
	default:
		text = ":x: *Restore failed:* " + msgtext.Esc(detail)
	}
	e.say.Thread(ctx, rec, text)
	e.say.Announce(ctx, rec, fmt.Sprintf("%s Restore `%s` %s: %s", stateEmoji(to), rec.ID, msgtext.StateWords(to), msgtext.What(rec)))
	e.say.DM(ctx, rec.Requester, fmt.Sprintf("%s Your restore `%s` is %s: %s", stateEmoji(to), rec.ID, msgtext.StateWords(to), msgtext.Esc(rec.Detail)))
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
