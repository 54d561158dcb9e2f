package slackapp

import (
	"context"

	"github.com/dbrestore/db-restore/internal/restore"
)

// BackupMaker takes and reads manual backups: execution takes the safety
// backup with it, and intake reads how long the target's last backup took.
type BackupMaker interface {
	CreateBackup(ctx context.Context, instanceID, name, description string) (backupID, jobID string, err error)
	Backup(ctx context.Context, backupID string) (restore.Backup, error)
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
}
