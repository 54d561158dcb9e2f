package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// BackupMaker takes and reads manual backups, for the safety backup taken
// before a restore overwrites an instance.
type BackupMaker interface {
	CreateBackup(ctx context.Context, instanceID, name, description string) (backupID, jobID string, err error)
	Backup(ctx context.Context, backupID string) (restore.Backup, error)
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
}

// lastBackupMinutes is roughly how long the instance's newest completed
// backup took; zero when unknown.
func (a *App) lastBackupMinutes(ctx context.Context, instanceID string) int {
	if a.backups == nil {
		return 0
	}
	list, err := a.backups.Backups(ctx, instanceID, 10)
	if err != nil {
		a.log.Warn().Err(err).Str("instance_id", instanceID).Msg("could not read the target's backups")
		return 0
	}
	for _, b := range list {
		if b.Status != "COMPLETED" && b.Status != "AVAILABLE" {
			continue
		}
		if b.TakeUpMinutes > 0 {
			return b.TakeUpMinutes
		}
		if !b.End.IsZero() && b.End.After(b.Begin) {
			return max(1, int(b.End.Sub(b.Begin).Round(time.Minute).Minutes()))
		}
	}
	return 0
}

// errNoBackups is a safety backup asked for where the bot cannot take one.
var errNoBackups = errors.New("no backup client (a dry run without cloud credentials)")

// safetyBackup takes a manual backup of the target and waits until it is
// complete, so the restore can be undone. Any failure or a timeout
// (RESTORE_JOB_TIMEOUT) means the restore must not be called.
func (a *App) safetyBackup(ctx context.Context, log zerolog.Logger, req approvals.Request) (string, error) {
	if a.backups == nil || a.jobs == nil {
		return "", errNoBackups
	}
	target := req.Params.TargetID
	name := "db-restore-" + req.ID + "-safety"
	backupID, jobID, err := a.backups.CreateBackup(ctx, target, name, "safety backup before db-restore request "+req.ID)
	if err != nil {
		a.m.APIError("gaussdb", "create_backup")
		return "", fmt.Errorf("start the safety backup: %w", err)
	}
	log.Info().Str("backup_id", backupID).Str("job_id", jobID).Msg("safety backup started")
	a.thread(ctx, req, fmt.Sprintf(":shield: Taking a safety backup `%s` of %s before restoring (job `%s`). The restore is called only once it is complete.",
		esc(backupID), instanceLabel(req.Params.TargetName, target), esc(jobID)))

	// Waiting gives up when the bot is asked to stop: the backup goes on in
	// GaussDB, but this request ends as failed, not called, rather than
	// leaving its replica's lease to lapse into "outcome unknown".
	waitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(a.stopping, cancel)()
	deadline := a.now().Add(a.opt.JobTimeout)
	wait := a.opt.JobPollInterval
	for {
		job, err := a.jobs.Job(ctx, jobID)
		switch {
		case err == nil:
			wait = a.opt.JobPollInterval
			switch strings.ToLower(job.Status) {
			case "completed", "success", "successful":
				b, err := a.backups.Backup(ctx, backupID)
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
			a.m.APIError("gaussdb", "job")
			wait = min(2*wait, maxJobBackoff)
			log.Warn().Err(err).Msg("could not read the safety backup job")
		}
		if a.now().After(deadline) {
			return "", fmt.Errorf("the safety backup %s did not complete within %s", backupID, a.opt.JobTimeout)
		}
		if err := sleepCtx(waitCtx, wait); err != nil {
			return "", fmt.Errorf("the bot was stopped before the safety backup %s completed (the backup goes on in GaussDB): %w", backupID, err)
		}
	}
}

// undoCommand is the request that puts the target back as the safety
// backup saw it.
func undoCommand(req approvals.Request, backupID string) string {
	return fmt.Sprintf("/db-restore source=%s backup=%s reason=\"undo restore %s\"", req.Params.TargetID, backupID, req.ID)
}
