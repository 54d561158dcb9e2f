package restore_test

import (
	"context"
	"errors"
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

// TestRecentJobsAsListed: jobs the bot did not start are listed with their
// own instance, name and whole-second creation time, whatever instance.
func TestRecentJobsAsListed(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	ctx := context.Background()
	src := srv.AddInstance(gaussdbtest.Instance{Name: "src"})
	at := time.Now().Add(-10 * time.Minute).Truncate(time.Second).Add(700 * time.Millisecond)
	added := srv.AddJob(restore.Job{Name: "GaussDBforMySQLSomethingNew", InstanceID: src.ID, Created: at})
	gone := srv.AddJob(restore.Job{Name: "RestoreTable", InstanceID: "deadbeef" + "in07", Status: "Completed", Created: at, Ended: at.Add(time.Minute)})
	jobs, err := c.RecentJobs(ctx, at.Add(-time.Minute), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]restore.Job{}
	for _, j := range jobs {
		got[j.ID] = j
	}
	a, g := got[added.ID], got[gone.ID]
	if a.InstanceID != src.ID || a.Name != "GaussDBforMySQLSomethingNew" || a.Status != "Running" || !a.Created.Equal(at.Truncate(time.Second)) {
		t.Errorf("added job listed as %+v; want on %s, created %s", a, src.ID, at.Truncate(time.Second))
	}
	if g.InstanceID != gone.InstanceID || g.Status != "Completed" || g.Ended.IsZero() {
		t.Errorf("ended job listed as %+v", g)
	}
}

// TestRecentJobsTooManyPages: a list longer than the client reads is an
// error, never a partial list taken for the whole.
func TestRecentJobsTooManyPages(t *testing.T) {
	srv, c := newPair(t, gaussdbtest.Options{})
	in := srv.AddInstance(gaussdbtest.Instance{Name: "busy"})
	at := time.Now().Add(-time.Hour)
	for i := 0; i < 100*50+1; i++ {
		srv.AddJob(restore.Job{Name: "RebootGaussDBforMySQLInstance", InstanceID: in.ID, Created: at})
	}
	jobs, err := c.RecentJobs(context.Background(), at.Add(-time.Minute), time.Now())
	if !errors.Is(err, restore.ErrJobListTooLong) || jobs != nil {
		t.Fatalf("RecentJobs over 100 pages = %d jobs, %v; want ErrJobListTooLong and no jobs", len(jobs), err)
	}
	// Exactly 100 full pages are the whole list.
	srv2, c2 := newPair(t, gaussdbtest.Options{})
	in2 := srv2.AddInstance(gaussdbtest.Instance{Name: "busy"})
	for i := 0; i < 100*50; i++ {
		srv2.AddJob(restore.Job{Name: "RebootGaussDBforMySQLInstance", InstanceID: in2.ID, Created: at})
	}
	if jobs, err := c2.RecentJobs(context.Background(), at.Add(-time.Minute), time.Now()); err != nil || len(jobs) != 5000 {
		t.Fatalf("RecentJobs of 100 full pages = %d jobs, %v; want 5000", len(jobs), err)
	}
}
