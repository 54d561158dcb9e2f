package restore_test

import (
	"context"
	"testing"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// pollToEnd reads a job until it ends.
func pollToEnd(t *testing.T, c *restore.Client, jobID string) (restore.Job, int) {
	t.Helper()
	for n := 1; n < 50; n++ {
		j, err := c.Job(context.Background(), jobID)
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		if j.Status != "Running" {
			return j, n
		}
	}
	t.Fatal("job never ended")
	return restore.Job{}, 0
}

func TestFakeFailsOnlyTheNextRestoreJob(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	source, target, backup := restorable(t, srv)
	call := restore.Call{SourceID: source.ID, TargetID: target.ID, Type: "backup", BackupID: backup.ID}
	srv.FailNextRestoreJob("disk full")
	for i, want := range []string{"Failed", "Completed"} {
		id, err := c.Restore(context.Background(), call)
		if err != nil {
			t.Fatalf("restore %d: %v", i, err)
		}
		if j, _ := pollToEnd(t, c, id); j.Status != want {
			t.Errorf("restore job %d ended %s (%q), want %s", i, j.Status, j.FailReason, want)
		}
	}
}

func TestFakeFailsOnlyTheNextBackupAndBackupsCanBeShort(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{JobPolls: 10})
	source, _, _ := restorable(t, srv)
	srv.SetBackupJobPolls(2)
	srv.FailNextBackup("no space for backups")
	if _, b := srv.Armed(); b != "no space for backups" {
		t.Errorf("armed backup fault = %q", b)
	}
	for i, want := range []string{"FAILED", "COMPLETED"} {
		backupID, jobID, err := c.CreateBackup(context.Background(), source.ID, "safety-backup", "")
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		j, polls := pollToEnd(t, c, jobID)
		if polls != 3 {
			t.Errorf("backup job %d ended after %d polls, want 3 (2 running, then the end)", i, polls)
		}
		if b, _ := srv.Backup(backupID); b.Status != want {
			t.Errorf("backup %d is %s (job %s), want %s", i, b.Status, j.Status, want)
		}
	}
	if _, b := srv.Armed(); b != "" {
		t.Errorf("backup fault still armed: %q", b)
	}
}
