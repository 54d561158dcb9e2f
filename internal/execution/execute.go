package execution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Execute runs an approved request: the one and only path to the restore
// API. It is reached only by the single Approve call that moved the request
// from pending to executing, so one approval makes at most one call.
// Nothing here retries the call: it has no idempotency token, and a retry
// could restore twice.
//
// It runs on the caller's worker pool, which bounds how much work a burst
// of approvals can start. The one long wait, for a safety backup, is handed to
// a goroutine of its own, so it never holds a worker for hours.
func (e *Executor) Execute(ctx context.Context, req approvals.Request) {
	log := e.log.With().Str("request_id", req.ID).Str("param_hash", req.ParamHash).Logger()
	stop := e.holdLease(ctx, log, req.ID)
	e.say.Refresh(ctx, req)
	e.say.Thread(ctx, req, fmt.Sprintf(":gear: Approved by %s. Re-checking the backup and the restore window, then submitting.", msgtext.Mentions(approverIDs(req))))
	if req.Params.Hash() != req.ParamHash {
		// The stored parameters are not the ones that were approved.
		e.notCalled(ctx, log, req, "the stored parameters do not match the approved ones; nothing was restored")
		stop()
		return
	}
	if !req.Rule.SafetyBackup {
		e.submit(ctx, log, req)
		stop()
		return
	}
	e.executions.Go(func() {
		defer stop()
		backupID, err := e.safetyBackup(ctx, log, req)
		if err != nil {
			log.Warn().Err(err).Msg("safety backup failed; restore not called")
			e.notCalled(ctx, log, req, "the safety backup did not complete, so the restore was not called: "+err.Error())
			return
		}
		if _, err := e.store.Note(ctx, req.ID, "safety backup "+backupID+" completed", ""); err != nil {
			log.Warn().Err(err).Msg("could not record the safety backup in the audit trail")
		}
		e.say.Thread(ctx, req, fmt.Sprintf(":shield: Safety backup `%s` is complete. To put %s back as it was before this restore:\n`%s`",
			msgtext.Esc(backupID), msgtext.Instance(req.Params.TargetName, req.Params.TargetID), msgtext.Esc(undoCommand(req, backupID))))
		e.submit(ctx, log, req)
	})
}

// submit re-checks what may have changed since the approval and makes the
// one restore call.
func (e *Executor) submit(ctx context.Context, log zerolog.Logger, req approvals.Request) {
	plan := planOf(req.Params)
	if err := e.check.Recheck(ctx, plan); err != nil {
		log.Warn().Err(err).Msg("re-check before restore failed")
		e.notCalled(ctx, log, req, "re-check before the restore failed, so it was not called: "+plainReason(err))
		return
	}
	if e.opt.DryRun {
		e.m.RestoreCall("dry_run")
		e.finish(ctx, log, req, approvals.StateDryRun, dryRunDetail(plan))
		return
	}

	// Last look before the call: if this replica lost its claim (Redis was
	// unreachable long enough for the lease to lapse), another may already
	// have reported the request; calling now could surprise everyone.
	if held, err := e.store.RenewExec(ctx, req.ID); err != nil || !held {
		log.Error().Err(err).Msg("execution lease lost before the restore call; not calling")
		e.notCalled(ctx, log, req, "the bot lost its claim on this request before calling GaussDB, so the restore was not called")
		return
	}
	callCtx, cancel := context.WithTimeout(ctx, e.opt.RestoreTimeout)
	jobID, err := e.restoreCall(callCtx, plan)
	cancel()
	if err != nil {
		e.m.APIError("gaussdb", "restore")
	}
	var rejected *restore.RejectedError
	switch {
	case err == nil:
		log.Info().Str("job_id", jobID).Msg("restore submitted")
		e.m.RestoreCall("submitted")
		e.submitted(ctx, log, req, jobID)
	case errors.As(err, &rejected):
		log.Warn().Err(err).Msg("restore refused by GaussDB")
		e.m.RestoreCall("rejected")
		e.finish(ctx, log, req, approvals.StateFailed, fmt.Sprintf("GaussDB refused the restore: %s %s (HTTP %d)", rejected.Code, rejected.Message, rejected.Status))
	case restore.IsUnknownOutcome(err):
		log.Error().Err(err).Msg("restore outcome unknown")
		e.m.RestoreCall("unknown")
		e.finish(ctx, log, req, approvals.StateUnknown, "the restore call did not give a clear answer ("+err.Error()+"); it was NOT retried")
	default:
		// The client proved the request never left the process.
		log.Error().Err(err).Msg("restore call not sent")
		e.m.RestoreCall("not_sent")
		e.finish(ctx, log, req, approvals.StateFailed, "the restore call could not be sent, so nothing was restored: "+err.Error())
	}
}

// notCalled ends the request as failed before any restore call was made.
func (e *Executor) notCalled(ctx context.Context, log zerolog.Logger, req approvals.Request, detail string) {
	e.m.RestoreCall("not_called")
	e.finish(ctx, log, req, approvals.StateFailed, detail)
}

// planOf rebuilds the call's plan from stored parameters, for the re-check.
func planOf(p approvals.Params) restore.Plan {
	plan := restore.Plan{
		Source: restore.Instance{ID: p.SourceID, Name: p.SourceName},
		Target: restore.Instance{ID: p.TargetID, Name: p.TargetName},
		Type:   string(p.Type),
	}
	if p.Type == approvals.TypeBackup {
		plan.Backup = &restore.Backup{ID: p.BackupID, InstanceID: p.SourceID}
	} else {
		plan.RestoreTime = p.RestoreTime()
	}
	for _, t := range p.Tables {
		plan.Tables = append(plan.Tables, toRestoreRename(t))
	}
	return plan
}

func approverIDs(r approvals.Request) []string {
	ids := make([]string, 0, len(r.Approvals))
	for _, ap := range r.Approvals {
		ids = append(ids, ap.User)
	}
	return ids
}

// plainReason is the part of an error people should read.
func plainReason(err error) string {
	var fe *restore.FieldError
	if errors.As(err, &fe) {
		s := fe.Field + ": " + fe.Problem
		if fe.Accepted != "" {
			s += " (accepted: " + fe.Accepted + ")"
		}
		return s
	}
	return err.Error()
}

// submitted records the job ID and tells everyone. The record is retried:
// the restore is already running, and losing its job ID would be worse than
// a slow Slack message.
func (e *Executor) submitted(ctx context.Context, log zerolog.Logger, req approvals.Request, jobID string) {
	var (
		rec approvals.Request
		err error
	)
	for attempt := 0; attempt < 6; attempt++ {
		if rec, err = e.store.MarkSubmitted(ctx, req.ID, jobID); err == nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
	if err != nil {
		log.Error().Err(err).Str("job_id", jobID).Msg("could not record the job ID")
		req.State, req.JobID = approvals.StateSubmitted, jobID
		rec = req
	}
	rec = SamePlace(rec, req)
	e.m.Transition(string(approvals.StateSubmitted))
	e.say.Refresh(ctx, rec)
	e.say.Thread(ctx, rec, fmt.Sprintf(":rocket: Restore submitted to GaussDB. Job ID: `%s`", jobID))
	e.say.Announce(ctx, rec, fmt.Sprintf(":rocket: Restore `%s` approved by %s and submitted, job `%s`: %s", rec.ID, msgtext.Mentions(approverIDs(rec)), jobID, msgtext.What(rec)))
	e.say.DM(ctx, rec.Requester, fmt.Sprintf(":rocket: Your restore `%s` was approved by %s and submitted (job `%s`): %s", rec.ID, msgtext.Mentions(approverIDs(rec)), msgtext.Esc(jobID), msgtext.What(rec)))
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
		text = ":grey_question: *Outcome unknown:* " + msgtext.Esc(detail) + ".\nCheck the target instance in the GaussDB console (status RESTORING?) and its recent jobs before anyone tries again."
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

// holdLease keeps this replica's claim on the executing request alive while
// it works, so that no sweeper declares the submission abandoned.
func (e *Executor) holdLease(ctx context.Context, log zerolog.Logger, id string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(e.store.LeaseTTL() / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ok, err := e.store.RenewExec(ctx, id); err != nil || !ok {
					log.Warn().Err(err).Bool("held", ok).Msg("could not renew the execution lease")
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
