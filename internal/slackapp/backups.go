package slackapp

import (
	"context"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// BackupMaker takes and reads manual backups: execution takes the safety
// backup with it, and the approval message says how long the target's last
// backup took.
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
