package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/pause"
	"github.com/dbrestore/db-restore/internal/restore"
)

// errNoBackups is a safety backup asked for where the bot cannot take one.
var errNoBackups = errors.New("no backup client (a dry run without cloud credentials)")

// safetyBackup takes a manual backup of the target and waits until it is
// complete, so the restore can be undone. Any failure or a timeout
// (RESTORE_JOB_TIMEOUT) means the restore must not be called.
func (e *Executor) safetyBackup(ctx context.Context, log zerolog.Logger, req approvals.Request) (string, error) {
	if e.backup == nil || e.jobs == nil {
		return "", errNoBackups
	}
	target := req.Params.TargetID
	backupID, jobID, err := e.backup.CreateBackup(ctx, target, safetyBackupName(req), "safety backup before db-restore request "+req.ID)
	if err != nil {
		e.m.APIError("gaussdb", "create_backup")
		return "", fmt.Errorf("start the safety backup: %w", err)
	}
	log.Info().Str("backup_id", backupID).Str("job_id", jobID).Msg("safety backup started")
	e.say.Report(ctx, req, SafetyBackupStarted{BackupID: backupID, JobID: jobID})

	// Waiting gives up when the bot is asked to stop: the backup goes on in
	// GaussDB, but this request ends as failed, not called, rather than
	// leaving its replica's lease to lapse into "outcome unknown".
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(e.stopping, cancel)()
	deadline := e.now().Add(e.opt.JobTimeout)
	wait := e.opt.JobPollInterval
	for {
		job, err := e.jobs.Job(ctx, jobID)
		switch {
		case err == nil:
			wait = e.opt.JobPollInterval
			switch strings.ToLower(job.Status) {
			case "completed", "success", "successful":
				b, err := e.backup.Backup(ctx, backupID)
				if err != nil {
					return "", fmt.Errorf("read the safety backup %s: %w", backupID, err)
				}
				if b.Status != "COMPLETED" && b.Status != "AVAILABLE" {
					return "", fmt.Errorf("the safety backup %s ended %s", backupID, b.Status)
				}
				return backupID, nil
			case "failed", "canceled", "cancelled", "unauthorized":
				return "", fmt.Errorf("the safety backup %s failed: %s", backupID, firstOf(job.FailReason, strings.ToLower(job.Status)))
			}
		case restore.IsNotFound(err):
			// a new job may not be queryable yet
		default:
			e.m.APIError("gaussdb", "job")
			wait = min(2*wait, maxJobBackoff)
			log.Warn().Err(err).Msg("could not read the safety backup job")
		}
		if e.now().After(deadline) {
			return "", fmt.Errorf("the safety backup %s did not complete within %s", backupID, e.opt.JobTimeout)
		}
		if err := pause.For(waitCtx, wait); err != nil {
			return "", fmt.Errorf("the bot was stopped before the safety backup %s completed (the backup goes on in GaussDB): %w", backupID, err)
		}
	}
}

// safetyBackupName is the name of the safety backup taken for req.
func safetyBackupName(req approvals.Request) string { return "db-restore-" + req.ID + "-safety" }

// UndoCommand is the request that puts the target back as the safety
// backup saw it (shown in the thread and in the requester's App Home).
func UndoCommand(req approvals.Request, backupID string) string {
	return fmt.Sprintf("/db-restore source=%s backup=%s reason=\"undo restore %s\"", req.Params.TargetID, backupID, req.ID)
}
