package execution_test

import (
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// TestEventsInOrder drives one approved request through each outcome of the
// restore call and checks the events reported, in order, and what was
// called.
func TestEventsInOrder(t *testing.T) {
	tests := []struct {
		name     string
		response gaussdbtest.Response
		want     []string
		state    approvals.State
		check    func(t *testing.T, got []recorded)
	}{
		{"happy", gaussdbtest.Response{},
			[]string{"Approved", "Submitted", "Progress", "Progress(ended)", "Completed"}, approvals.StateCompleted,
			func(t *testing.T, got []recorded) {
				sub := got[1].ev.(execution.Submitted)
				done := got[len(got)-1].ev.(execution.Completed)
				if sub.JobID == "" || done.JobID != sub.JobID || !done.Timed || done.Took <= 0 {
					t.Errorf("submitted %+v, completed %+v", sub, done)
				}
				if got[len(got)-1].req.State != approvals.StateCompleted {
					t.Errorf("Completed reported with the request %s", got[len(got)-1].req.State)
				}
			}},
		{"4xx", gaussdbtest.Response{Status: 400, Body: `{"error_code":"DBS.200823","error_msg":"The DB instance does not exist."}`},
			[]string{"Approved", "Refused"}, approvals.StateFailed,
			func(t *testing.T, got []recorded) {
				ref := got[1].ev.(execution.Refused)
				if ref.Status != 400 || ref.Code != "DBS.200823" || got[1].req.Detail != ref.Detail {
					t.Errorf("refused %+v, request detail %q", ref, got[1].req.Detail)
				}
			}},
		{"5xx", gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.05000000","error_msg":"Server error."}`},
			[]string{"Approved", "OutcomeUnknown"}, approvals.StateUnknown, nil},
		{"timeout", gaussdbtest.Response{Delay: 4 * time.Second},
			[]string{"Approved", "OutcomeUnknown"}, approvals.StateUnknown,
			func(t *testing.T, got []recorded) {
				if d := got[1].ev.(execution.OutcomeUnknown).Detail; d == "" || got[1].req.State != approvals.StateUnknown {
					t.Errorf("outcome unknown %q with the request %s", d, got[1].req.State)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return tt.response })
			f.follow()
			req := f.approved(f.target, false)
			f.exec.Execute(f.ctx, req)
			last := tt.want[len(tt.want)-1]
			f.waitForEvent(last)
			time.Sleep(200 * time.Millisecond) // nothing more may follow
			if got := f.rec.kinds(); !sameKinds(got, tt.want) {
				t.Fatalf("events %v, want %v", got, tt.want)
			}
			if r := f.state(req.ID); r.State != tt.state {
				t.Errorf("state %s (%q), want %s", r.State, r.Detail, tt.state)
			}
			if n := f.restorePOSTs(); n != 1 {
				t.Errorf("restore POSTs: %d, want 1", n)
			}
			if tt.check != nil {
				tt.check(t, f.rec.events())
			}
		})
	}
}

// TestLateAnswer: the lease lapses while the POST is in flight, the reaper
// reports the outcome unknown, then GaussDB answers with a job: it is
// recorded as a late answer and followed, never re-submitted.
func TestLateAnswer(t *testing.T) {
	f := newFixture(t, func(o *execution.Options) { o.RestoreTimeout = 5 * time.Second; o.ReconcileEvery = time.Minute })
	f.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return gaussdbtest.Response{Delay: 1500 * time.Millisecond} })
	req := f.approved(f.target, false)
	go f.exec.Execute(f.ctx, req)
	f.waitFor("the restore POST", func() bool { return f.restorePOSTs() == 1 })
	if err := f.rdb.Del(f.ctx, f.prefix+"exec:"+req.ID).Err(); err != nil {
		t.Fatal(err)
	}
	f.exec.Reap(f.ctx)
	f.follow()
	late := f.waitForEvent("LateAnswer").ev.(execution.LateAnswer)
	f.waitForEvent("Completed")
	want := []string{"Approved", "Interrupted", "LateAnswer", "Progress", "Progress(ended)", "Completed"}
	if got := f.rec.kinds(); !sameKinds(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if in := f.rec.events()[1].ev.(execution.Interrupted); !in.MayHaveCalled {
		t.Errorf("reaped with the called marker written: %+v, want MayHaveCalled", in)
	}
	if r := f.state(req.ID); late.JobID == "" || r.JobID != late.JobID || r.State != approvals.StateCompleted {
		t.Errorf("late answer %+v; stored %s job %q", late, r.State, r.JobID)
	}
	if n := f.restorePOSTs(); n != 1 {
		t.Errorf("restore POSTs: %d, want 1", n)
	}
}

// TestStoppedByAFreezeDuringTheSafetyBackup: the freeze set while the
// safety backup runs is seen by the check before the restore call.
func TestStoppedByAFreezeDuringTheSafetyBackup(t *testing.T) {
	f := newFixture(t, nil)
	f.gauss.SetBackupJobPolls(20)
	req := f.approved(f.source, true) // onto the source itself: a safety backup first
	f.exec.Execute(f.ctx, req)
	started := f.waitForEvent("SafetyBackupStarted").ev.(execution.SafetyBackupStarted)
	if err := f.store.SetFreeze(f.ctx, "UADM0001", "incident in progress"); err != nil {
		t.Fatal(err)
	}
	stopped := f.waitForEvent("Stopped")
	f.exec.Wait()
	want := []string{"Approved", "SafetyBackupStarted", "SafetyBackupTaken", "Stopped"}
	if got := f.rec.kinds(); !sameKinds(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	taken := f.rec.events()[2].ev.(execution.SafetyBackupTaken)
	if started.BackupID == "" || taken.BackupID != started.BackupID || taken.Undo != execution.UndoCommand(req, started.BackupID) {
		t.Errorf("backup started %+v, taken %+v", started, taken)
	}
	if why := stopped.ev.(execution.Stopped).Why; why == "" || stopped.req.State != approvals.StateFailed {
		t.Errorf("stopped %q with the request %s", why, stopped.req.State)
	}
	if n := f.restorePOSTs(); n != 0 {
		t.Errorf("restore POSTs after a freeze: %d, want 0", n)
	}
}

// TestCrashReaped: a replica died while executing. Before the call marker
// the request is not called; after it the outcome is unknown, and with no
// job in GaussDB's job list reconciliation gives up: a new request is safe.
func TestCrashReaped(t *testing.T) {
	f := newFixture(t, nil)
	dead := approvals.NewStore(f.rdb, f.prefix, time.Now, approvals.WithLeaseTTL(300*time.Millisecond), approvals.WithOwner("dead-replica"))
	mk := func(called bool) approvals.Request {
		target := f.target.ID
		if !called { // one restore at a time per target: two executing need two
			target = "another-target"
		}
		r, err := dead.Create(f.ctx, approvals.Request{
			Params: approvals.Params{SourceID: f.source.ID, SourceName: f.source.Name, TargetID: target, TargetName: f.target.Name,
				Type: approvals.TypeBackup, BackupID: f.backup.ID},
			Requester: "UREQ0001", Reason: "crash", Channel: "C0APPR001",
			Rule:      approvals.Rule{Name: "default", Approvers: []string{"UAPP0001"}, RequiredApprovals: 1},
			ExpiresAt: time.Now().Add(30 * time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := dead.Approve(f.ctx, r.ID, "UAPP0001", r.ParamHash); err != nil || !res.Executing {
			t.Fatalf("approve: %+v %v", res, err)
		}
		if called {
			if _, err := dead.PreCall(f.ctx, r.ID, "default", approvals.PhaseRestore); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	notCalled, called := mk(false), mk(true)
	time.Sleep(500 * time.Millisecond) // the dead replica's leases lapse
	f.exec.Reap(f.ctx)
	byID := map[string]execution.Interrupted{}
	for _, g := range f.rec.events() {
		if in, ok := g.ev.(execution.Interrupted); ok {
			byID[g.req.ID] = in
		}
	}
	if in, ok := byID[notCalled.ID]; !ok || in.MayHaveCalled {
		t.Errorf("not called: %+v (reported %v)", in, ok)
	}
	if in, ok := byID[called.ID]; !ok || !in.MayHaveCalled {
		t.Errorf("called: %+v (reported %v)", in, ok)
	}
	if s := f.state(notCalled.ID).State; s != approvals.StateFailed {
		t.Errorf("not called: state %s, want failed", s)
	}
	f.waitFor("reconciliation to give up", func() bool {
		f.exec.Reconcile(f.ctx)
		return f.state(called.ID).Detail != "" && len(f.rec.events()) > 2
	})
	want := []string{"Interrupted", "Interrupted", "ReconcileGaveUp"}
	if got := f.rec.kinds(); !sameKinds(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	gaveUp := f.rec.events()[2]
	// Not before both the restore call's timeout (2 s) and ReconcileAfter (1 s).
	if gaveUp.req.ID != called.ID || gaveUp.ev.(execution.ReconcileGaveUp).Within != 2*time.Second {
		t.Errorf("gave up on %s: %+v", gaveUp.req.ID, gaveUp.ev)
	}
	if n := f.restorePOSTs(); n != 0 {
		t.Errorf("restore POSTs: %d, want 0 (nothing is ever re-submitted)", n)
	}
}
