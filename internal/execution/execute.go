package execution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Execute runs an approved request: the one and only path to the restore
// API. It is reached only by the single Approve call that moved the request
// from pending to executing, so one approval makes at most one call.
// Nothing here retries the call: it has no idempotency token, and a retry
// could restore twice.
//
// Immediately before each mutating call (the safety backup, the restore
// POST) one atomic step (approvals.Store.PreCall) renews the lease and
// checks the freezes and that the request is still this replica's to run;
// the restore's step also writes the called marker.
//
// It runs on the caller's worker pool, which bounds how much work a burst
// of approvals can start. The one long wait, for a safety backup, is handed to
// a goroutine of its own, so it never holds a worker for hours.
func (e *Executor) Execute(ctx context.Context, req approvals.Request) {
	log := e.log.With().Str("request_id", req.ID).Str("param_hash", req.ParamHash).Logger()
	stop := e.holdLease(ctx, log, req.ID)
	e.say.Report(ctx, req, Approved{})
	if req.Params.Hash() != req.ParamHash {
		// The stored parameters are not the ones that were approved.
		e.notCalled(ctx, log, req, "the stored parameters do not match the approved ones; nothing was restored")
		stop()
		return
	}
	if !req.Rule.SafetyBackup || e.opt.DryRun {
		if req.Rule.SafetyBackup { // a dry run takes no backup: it says what it would take
			e.say.Report(ctx, req, SafetyBackupSkipped{Name: safetyBackupName(req)})
		}
		e.submit(ctx, log, req)
		stop()
		return
	}
	e.executions.Go(func() {
		defer stop()
		if !e.precall(ctx, log, req, approvals.PhaseBackup) {
			return
		}
		backupID, err := e.safetyBackup(ctx, log, req)
		if err != nil {
			log.Warn().Err(err).Msg("safety backup failed; restore not called")
			e.notCalled(ctx, log, req, "the safety backup did not complete, so the restore was not called: "+err.Error())
			return
		}
		if _, err := e.store.Note(ctx, req.ID, "safety backup "+backupID+" completed", ""); err != nil {
			log.Warn().Err(err).Msg("could not record the safety backup in the audit trail")
		}
		e.say.Report(ctx, req, SafetyBackupTaken{BackupID: backupID, Undo: UndoCommand(req, backupID)})
		e.submit(ctx, log, req)
	})
}

// submit re-checks what may have changed since the approval and makes the
// one restore call.
func (e *Executor) submit(ctx context.Context, log zerolog.Logger, req approvals.Request) {
	if req.Params.Type == approvals.TypeNewInstance {
		e.submitNew(ctx, log, req)
		return
	}
	plan := planOf(req.Params)
	if err := e.check.Recheck(ctx, plan); err != nil {
		log.Warn().Err(err).Msg("re-check before restore failed")
		e.notCalled(ctx, log, req, "re-check before the restore failed, so it was not called: "+plainReason(err))
		return
	}
	if e.opt.DryRun {
		if !e.precall(ctx, log, req, approvals.PhaseCheck) {
			return
		}
		e.m.RestoreCall("dry_run")
		e.finish(ctx, log, req, DryRun{Call: dryRunDetail(plan)})
		return
	}
	// The last look before the call: lease, freezes, still executing, and
	// the called marker, in one atomic step.
	if !e.precall(ctx, log, req, approvals.PhaseRestore) {
		return
	}
	e.call(ctx, log, req, plan)
}

// call makes the one restore POST and records its answer. The lease goes
// on being renewed while it is in flight (holdLease); an answer that comes
// after the request was marked outcome_unknown is recorded as a late answer.
func (e *Executor) call(ctx context.Context, log zerolog.Logger, req approvals.Request, plan restore.Plan) {
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
		e.refusedBy(ctx, log, req, err, rejected, "restore", "the restore")
	case restore.IsUnknownOutcome(err):
		log.Error().Err(err).Msg("restore outcome unknown")
		e.m.RestoreCall("unknown")
		e.finish(ctx, log, req, OutcomeUnknown{Detail: "the restore call did not give a clear answer (" + err.Error() + "); it was NOT retried"})
	default:
		// The client proved the request never left the process.
		log.Error().Err(err).Msg("restore call not sent")
		e.m.RestoreCall("not_sent")
		e.finish(ctx, log, req, NotSent{Detail: "the restore call could not be sent, so nothing was restored: " + err.Error()})
	}
}

// precall is the one check before a mutating call (approvals.Store.PreCall).
// False: nothing may be called, and the request has been ended and reported
// (or had already been, by whoever ended it).
func (e *Executor) precall(ctx context.Context, log zerolog.Logger, req approvals.Request, phase approvals.Phase) bool {
	res, err := e.store.PreCall(ctx, req.ID, req.Rule.Name, phase)
	var refusal *approvals.Refusal
	switch {
	case errors.As(err, &refusal):
		// Ended elsewhere (the reaper, after this replica lost its lease):
		// whoever ended it has reported it.
		log.Warn().Str("state", string(refusal.State)).Str("phase", string(phase)).Msg("request no longer executing before the call; not calling")
		e.m.RestoreCall("not_called")
		return false
	case errors.Is(err, approvals.ErrNotDurable):
		log.Error().Err(err).Str("phase", string(phase)).Msg("the check before the call was not confirmed by the Redis replicas; not calling")
		e.notCalled(ctx, log, req, approvals.NotDurableDetail+"; approvers, please request it again")
		return false
	case err != nil:
		// Fail closed: without the check nobody knows whether a freeze
		// or another replica forbids the call.
		log.Error().Err(err).Str("phase", string(phase)).Msg("the check before the call failed; not calling")
		e.notCalled(ctx, log, req, "the bot could not check the freeze and its claim on this request before calling GaussDB, so the restore was not called")
		return false
	case res.Stopped:
		log.Warn().Str("why", res.Why).Str("phase", string(phase)).Msg("stopped before the call; restore not called")
		e.stopped(ctx, SamePlace(res.Request, req))
		return false
	}
	return true
}

// holdLease keeps this replica's claim on the executing request alive while
// it works, the restore call in flight included, so that no sweeper declares
// the submission abandoned.
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

// refusedBy ends a request whose one call (call: restore, create) GaussDB
// refused, so nothing was started; words name what was refused.
func (e *Executor) refusedBy(ctx context.Context, log zerolog.Logger, req approvals.Request, err error,
	rejected *restore.RejectedError, call, words string) {
	log.Warn().Err(err).Msg(call + " refused by GaussDB")
	e.m.RestoreCall("rejected")
	e.finish(ctx, log, req, Refused{Status: rejected.Status, Code: rejected.Code, Message: rejected.Message,
		Detail: fmt.Sprintf("GaussDB refused %s: %s %s (HTTP %d)", words, rejected.Code, rejected.Message, rejected.Status)})
}
