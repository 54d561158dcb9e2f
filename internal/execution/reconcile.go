package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// JobLister lists the project's recent jobs (GaussDB's ListImmediateJobs).
type JobLister interface {
	RecentJobs(ctx context.Context, since, until time.Time) ([]restore.Job, error)
}

// reconcileSkew widens the job list's window around the call: GaussDB's
// clock and Redis's may differ, and job times are in whole seconds.
const reconcileSkew = time.Minute

// Reconcile looks in GaussDB's job list for the job of every request whose
// restore call had an unknown outcome. A restore job on the request's target
// created after the call is attached: the request becomes submitted and is
// followed. When none has appeared ReconcileAfter after the call, the thread
// says so and that a new request is safe. It never re-submits anything. Each
// request is looked up at most once per ReconcileEvery. Call it from one
// goroutine (the leased sweeper).
func (e *Executor) Reconcile(ctx context.Context) {
	if e.list == nil {
		return
	}
	reqs, err := e.store.ToReconcile(ctx, 100)
	if err != nil {
		e.log.Warn().Err(err).Msg("could not list restores with an unknown outcome")
		return
	}
	now := e.now()
	seen := make(map[string]bool, len(reqs))
	for _, r := range reqs {
		seen[r.ID] = true
		if now.Before(e.nextLook[r.ID]) {
			continue
		}
		e.nextLook[r.ID] = now.Add(e.opt.ReconcileEvery)
		e.reconcile(ctx, r)
	}
	for id := range e.nextLook {
		if !seen[id] {
			delete(e.nextLook, id)
		}
	}
}

func (e *Executor) reconcile(ctx context.Context, r approvals.Request) {
	log := e.log.With().Str("request_id", r.ID).Logger()
	called, now := approvals.CallTime(r), e.now()
	jobs, err := e.list.RecentJobs(ctx, called.Add(-reconcileSkew), now.Add(reconcileSkew))
	if err != nil {
		e.m.APIError("gaussdb", "list_jobs")
		log.Warn().Err(err).Msg("could not read GaussDB's job list")
		return
	}
	var refusal *approvals.Refusal
	instance := r.Params.TargetID
	if instance == "" || r.Params.Type == approvals.TypeTables { // tables come back into the source
		instance = r.Params.SourceID
	}
	if j, ok := restoreJobFor(jobs, instance, r.Params.Type == approvals.TypeTables, called); ok {
		detail := fmt.Sprintf("reconciled: GaussDB's job list shows restore job %s (%s, %s) on the target, created %s after the call; attached and followed, nothing re-submitted",
			j.ID, j.Name, j.Status, stamp(j.Created))
		rec, err := e.store.AttachJob(ctx, r.ID, j.ID, detail)
		switch {
		case errors.As(err, &refusal):
			return // a late answer or another sweeper got there first
		case err != nil:
			log.Warn().Err(err).Str("job_id", j.ID).Msg("could not attach the job found")
			return
		}
		log.Info().Str("job_id", j.ID).Msg("unknown outcome reconciled: restore job found and attached")
		e.m.Transition(string(rec.State))
		e.say.Report(ctx, rec, Reconciled{JobID: j.ID, Status: j.Status, Created: j.Created})
		return
	}
	if now.Sub(called) < e.opt.ReconcileAfter {
		return
	}
	detail := fmt.Sprintf("reconciled: no restore job on the target in GaussDB's job list within %s of the call; a new request is safe", e.opt.ReconcileAfter)
	rec, err := e.store.NoJobFound(ctx, r.ID, detail)
	switch {
	case errors.As(err, &refusal):
		return
	case err != nil:
		log.Warn().Err(err).Msg("could not record that no job was found")
		return
	}
	log.Info().Msg("unknown outcome reconciled: no restore job found")
	e.say.Report(ctx, rec, ReconcileGaveUp{Within: e.opt.ReconcileAfter, Called: called})
}

// restoreJobFor picks the restore job on instance created at or after the
// call (give or take reconcileSkew), the earliest if several. GaussDB
// documents no job name for a restore onto an existing instance, so any job
// whose name says restore counts: a table restore's when tables is set,
// else any other.
func restoreJobFor(jobs []restore.Job, instance string, tables bool, called time.Time) (restore.Job, bool) {
	var found restore.Job
	ok := false
	for _, j := range jobs {
		name := strings.ToLower(j.Name)
		switch {
		case j.InstanceID != instance, !strings.Contains(name, "restore"), strings.Contains(name, "table") != tables,
			j.Created.Before(called.Add(-reconcileSkew)):
			continue
		}
		if !ok || j.Created.Before(found.Created) {
			found, ok = j, true
		}
	}
	return found, ok
}

// stamp is an instant in UTC to the minute, for the audit trail.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
