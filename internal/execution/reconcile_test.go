package execution_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// inFlightUnknown starts a restore whose answer takes delay, and has the
// reaper report it outcome unknown while the POST is in flight (its lease
// lapsed).
func (f *fixture) inFlightUnknown(delay time.Duration) approvals.Request {
	f.t.Helper()
	f.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response { return gaussdbtest.Response{Delay: delay} })
	req := f.approved(f.target, false)
	go f.exec.Execute(f.ctx, req)
	f.waitFor("the restore POST", func() bool { return f.restorePOSTs() == 1 })
	if err := f.rdb.Del(f.ctx, f.prefix+"exec:"+req.ID).Err(); err != nil {
		f.t.Fatal(err)
	}
	f.exec.Reap(f.ctx)
	f.waitForEvent("Interrupted")
	return req
}

// audit is the request's audit entry with action whose detail has words.
func (f *fixture) audit(id, action, words string) (approvals.Event, bool) {
	f.t.Helper()
	evs, err := f.store.History(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action == action && strings.Contains(e.Detail, words) {
			return e, true
		}
	}
	return approvals.Event{}, false
}

// TestLateAnswerAfterNoJobFound: a replica configured with a shorter call
// timeout concludes "no job found" while another replica's call is still in
// flight; the answer that then comes is followed, and said and audited as
// contradicting that conclusion.
func TestLateAnswerAfterNoJobFound(t *testing.T) {
	f := newFixture(t, func(o *execution.Options) { o.RestoreTimeout = 5 * time.Second; o.ReconcileEvery = time.Minute })
	quick, err := execution.New(execution.Options{
		Log: zerolog.New(zerolog.NewTestWriter(t)), Store: f.store, Reporter: f.rec, Checker: restore.NewValidator(f.client, time.Now),
		Restorer: f.client, JobList: f.client, Now: time.Now, JobPollInterval: 50 * time.Millisecond, JobTimeout: time.Hour,
		RestoreTimeout: 100 * time.Millisecond, ReconcileAfter: 100 * time.Millisecond, ReconcileEvery: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	req := f.inFlightUnknown(1500 * time.Millisecond)
	f.waitFor("the other replica to give up", func() bool {
		quick.Reconcile(f.ctx)
		return strings.HasPrefix(f.state(req.ID).Detail, "reconciled: no restore job")
	})
	late := f.waitForEvent("LateAnswer").ev.(execution.LateAnswer)
	if late.JobID == "" || !strings.Contains(late.Reconciled, "no restore job") {
		t.Fatalf("late answer %+v; want the job, contradicting the no-job conclusion", late)
	}
	if r := f.state(req.ID); r.State != approvals.StateSubmitted || r.JobID != late.JobID {
		t.Errorf("stored %s job %q, want submitted with %s", r.State, r.JobID, late.JobID)
	}
	if _, ok := f.audit(req.ID, "late_answer", "contradicts what reconciliation concluded"); !ok {
		t.Error("the contradicting late answer is not in the audit trail")
	}
	if owners, _ := f.store.JobOwners(f.ctx, []string{late.JobID}); owners[late.JobID] != req.ID {
		t.Errorf("job index %v; want the late answer's job indexed to %s", owners, req.ID)
	}
}

// TestContradictingAnswerAuditedAfterTheEnd: reconciliation attached a job
// that then completed; the restore call's answer, naming another job,
// arrives after the request ended and is still audited and said.
func TestContradictingAnswerAuditedAfterTheEnd(t *testing.T) {
	f := newFixture(t, func(o *execution.Options) {
		o.RestoreTimeout = 5 * time.Second
		o.ReconcileEvery = 20 * time.Millisecond
	})
	f.follow()
	req := f.inFlightUnknown(2 * time.Second)
	byHand := f.gauss.AddJob(restore.Job{Name: "RestoreInstance", InstanceID: f.target.ID})
	f.waitFor("the job found to be attached and to complete", func() bool {
		f.exec.Reconcile(f.ctx)
		return f.state(req.ID).State == approvals.StateCompleted
	})
	c := f.waitForEvent("Contradiction").ev.(execution.Contradiction)
	if c.Attached != byHand.ID || c.JobID == "" || c.JobID == byHand.ID {
		t.Fatalf("contradiction %+v; want the answer's job against %s", c, byHand.ID)
	}
	e, ok := f.audit(req.ID, "late_answer", "contradicts reconciliation")
	if !ok || e.State != approvals.StateCompleted {
		t.Fatalf("audit entry %+v (found %v); want the contradiction recorded on the completed request", e, ok)
	}
	if n := f.restorePOSTs(); n != 1 {
		t.Errorf("restore POSTs: %d, want 1", n)
	}
}

// TestSubmittedJobIsIndexed: the restore call's own answer puts its job in
// the job index, so reconciliation of another request never takes it.
func TestSubmittedJobIsIndexed(t *testing.T) {
	f := newFixture(t, nil)
	req := f.approved(f.target, false)
	f.exec.Execute(f.ctx, req)
	sub := f.waitForEvent("Submitted").ev.(execution.Submitted)
	owners, err := f.store.JobOwners(f.ctx, []string{sub.JobID})
	if err != nil || owners[sub.JobID] != req.ID {
		t.Fatalf("job index %v, %v; want %s for job %s", owners, err, req.ID, sub.JobID)
	}
}
