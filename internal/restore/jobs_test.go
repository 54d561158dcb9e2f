package restore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

func TestRecentJobsThroughTheSDK(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{JobPolls: 100})
	ctx := context.Background()
	src := srv.AddInstance(gaussdbtest.Instance{Name: "src"})
	tgt := srv.AddInstance(gaussdbtest.Instance{Name: "tgt"})
	b := srv.AddBackup(restore.Backup{ID: gaussdbtest.NewBackupID(), InstanceID: src.ID, Status: "COMPLETED", Type: "auto",
		Begin: time.Now().Add(-2 * time.Hour), End: time.Now().Add(-time.Hour)})
	// Behind a gateway error, the restore did start.
	srv.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 502, Body: "Bad Gateway", StartJob: true}
	})
	before := time.Now().Add(-time.Minute)
	if _, err := c.Restore(ctx, restore.Call{SourceID: src.ID, TargetID: tgt.ID, Type: restore.TypeBackup, BackupID: b.ID}); !restore.IsUnknownOutcome(err) {
		t.Fatalf("Restore = %v, want an unknown outcome", err)
	}
	// 55 more jobs: the list pages by 50.
	for i := 0; i < 55; i++ {
		if _, _, err := c.CreateBackup(ctx, src.ID, "bk-"+strings.Repeat("x", 4), ""); err != nil && i == 0 {
			t.Fatal(err)
		}
		srv.SetInstanceStatus(src.ID, "ACTIVE")
	}
	jobs, err := c.RecentJobs(ctx, before, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 56 {
		t.Fatalf("RecentJobs = %d jobs, want 56 over two pages", len(jobs))
	}
	var restoreJob restore.Job
	for _, j := range jobs {
		if j.Name == "RestoreInstance" {
			restoreJob = j
		}
	}
	if restoreJob.ID == "" || restoreJob.InstanceID != tgt.ID || restoreJob.Status != "Running" || restoreJob.Created.IsZero() {
		t.Errorf("restore job as listed: %+v", restoreJob)
	}
	// Outside the window: nothing.
	old, err := c.RecentJobs(ctx, before.Add(-time.Hour), before)
	if err != nil || len(old) != 0 {
		t.Errorf("RecentJobs of an earlier hour = %v, %v; want none", old, err)
	}
	// The fake checks the signature on this API too.
	bad := newClient(t, srv, "wrong-sk", 5*time.Second)
	if _, err := bad.RecentJobs(ctx, before, time.Now()); err == nil {
		t.Error("a badly signed job list was served")
	}
}
