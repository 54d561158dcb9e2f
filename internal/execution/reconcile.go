package execution

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

// JobLister lists the project's recent jobs (GaussDB's ListImmediateJobs).
// It fails rather than return part of the list.
type JobLister interface {
	RecentJobs(ctx context.Context, since, until time.Time) ([]restore.Job, error)
}

// reconcileLookBack is how far before the call the job list is read: jobs
// started shortly before it are not the call's, and are named as such.
const reconcileLookBack = time.Minute

// Reconcile looks in GaussDB's job list for the job of every request whose
// restore call had an unknown outcome (matchJobs says which job is the
// call's). The one job that is the call's is attached: the request becomes
// submitted and is followed. More than one that could be means people must
// check the console: none is attached. "No job found, a new request is
// safe" is said only once both the restore call's own timeout and
// ReconcileAfter have passed since the call was sent. It never re-submits
// anything. Each request is looked up at most once per ReconcileEvery. Call
// it from one goroutine (the leased sweeper).
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

// callOf is what r's restore call was. The called marker, written and
// confirmed just before the POST, is when it was sent; a request from
// before the marker takes the earliest the call can have gone out.
func callOf(r approvals.Request, timeout time.Duration) jobCall {
	c := jobCall{RequestID: r.ID, Target: r.Params.TargetID, Other: r.Params.SourceID,
		Tables: r.Params.Type == approvals.TypeTables, Sent: r.CalledAt}
	if c.Target == "" || c.Tables { // tables come back into the source
		c.Target = r.Params.SourceID
	}
	if c.Other == c.Target {
		c.Other = ""
	}
	if c.Sent.IsZero() {
		c.Sent = r.UpdatedAt.Add(-timeout)
	}
	return c
}

// settleAfter is how long after the call a missing job means it did not
// start: the call's own timeout and ReconcileAfter, whichever is longer.
func (e *Executor) settleAfter() time.Duration {
	return max(e.opt.RestoreTimeout, e.opt.ReconcileAfter)
}

func (e *Executor) reconcile(ctx context.Context, r approvals.Request) {
	if r.Params.Type == approvals.TypeNewInstance {
		// Its create was already looked for by request tag (lifetime); a
		// source's restore job is not its job, and "no job, a new request
		// is safe" would be false while an instance may exist.
		return
	}
	log := e.log.With().Str("request_id", r.ID).Logger()
	call, now := callOf(r, e.opt.RestoreTimeout), e.now()
	jobs, err := e.list.RecentJobs(ctx, call.Sent.Add(-reconcileLookBack), now.Add(reconcileLookBack))
	if err != nil { // nothing can be concluded from part of the list
		e.m.APIError("gaussdb", "list_jobs")
		ev := log.Warn()
		if errors.Is(err, restore.ErrJobListTooLong) {
			ev = log.Error()
		}
		ev.Err(err).Msg("could not read GaussDB's job list; nothing concluded")
		return
	}
	owners, err := e.store.JobOwners(ctx, jobIDs(jobs))
	if err != nil {
		log.Warn().Err(err).Msg("could not read which requests the listed jobs belong to; nothing concluded")
		return
	}
	m := matchJobs(jobs, call, owners, now, call.Sent.Add(e.settleAfter()))
	switch m.Verdict {
	case verdictAttach:
		e.attachJob(ctx, log, r, m.Job)
	case verdictConsole:
		e.checkConsole(ctx, log, r, call, m.Possible)
	case verdictNone:
		e.noJobFound(ctx, log, r, call, m.Passed)
	}
}

func jobIDs(jobs []restore.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// attachJob claims j for r in the job index, then attaches it. A claim that
// another request won first leaves r to the next look (where the job is
// another request's); an attach the store refuses gives the claim back.
func (e *Executor) attachJob(ctx context.Context, log zerolog.Logger, r approvals.Request, j restore.Job) {
	log = log.With().Str("job_id", j.ID).Logger()
	if err := e.store.ClaimJob(ctx, r.ID, j.ID); err != nil {
		log.Warn().Err(err).Msg("could not claim the job found; not attached")
		return
	}
	detail := fmt.Sprintf("reconciled: GaussDB's job list shows restore job %s (%s, %s) on the target, created %s after the call; attached and followed, nothing re-submitted",
		j.ID, j.Name, j.Status, stamp(j.Created))
	rec, err := e.store.AttachJob(ctx, r.ID, j.ID, detail)
	var refusal *approvals.Refusal
	switch {
	case errors.As(err, &refusal): // a late answer or another sweeper got there first
		if refusal.Request.JobID != j.ID {
			if err := e.store.ReleaseJob(ctx, r.ID, j.ID); err != nil {
				log.Warn().Err(err).Msg("could not give back the job's claim")
			}
		}
		return
	case err != nil:
		log.Warn().Err(err).Msg("could not attach the job found")
		return
	}
	log.Info().Msg("unknown outcome reconciled: restore job found and attached")
	e.m.Transition(string(rec.State))
	e.say.Report(ctx, rec, Reconciled{JobID: j.ID, Status: j.Status, Created: j.Created})
}

// indexJob records in the job index that jobID, the restore call's own
// answer, is rec's. If reconciliation gave that job to another request,
// both are told to look: that request follows this one's job.
func (e *Executor) indexJob(ctx context.Context, log zerolog.Logger, rec approvals.Request, jobID string) {
	err := e.store.ClaimJob(ctx, rec.ID, jobID)
	var taken *approvals.JobTaken
	switch {
	case errors.As(err, &taken):
		log.Error().Str("job_id", jobID).Str("owner", taken.Owner).Msg("the answered job is attached to another request")
		for _, id := range []string{rec.ID, taken.Owner} {
			if err := e.store.NoteAnswer(ctx, id, fmt.Sprintf("job %s is request %s's restore call's answer, but reconciliation attached it to request %s; check both in the GaussDB console", jobID, rec.ID, taken.Owner)); err != nil {
				log.Warn().Err(err).Str("on", id).Msg("could not audit the job attached twice")
			}
		}
		e.say.Report(ctx, rec, JobClaimedElsewhere{JobID: jobID, Owner: taken.Owner})
	case err != nil:
		log.Warn().Err(err).Str("job_id", jobID).Msg("could not record the job in the job index")
	}
}

// checkConsole records that more than one job could be r's restore, so
// none is attached and people must look; r stays outcome unknown and is
// not looked for again.
func (e *Executor) checkConsole(ctx context.Context, log zerolog.Logger, r approvals.Request, call jobCall, possible []JobSeen) {
	detail := fmt.Sprintf("reconciled: %d job(s) in GaussDB's job list could be this restore's (%s); none attached, check the GaussDB console before anyone tries again",
		len(possible), seenList(possible))
	rec, err := e.store.NoJobFound(ctx, r.ID, detail)
	if err != nil {
		logUnlessRefused(log, err, "could not record the jobs to check")
		return
	}
	log.Warn().Int("jobs", len(possible)).Msg("unknown outcome not reconciled: more than one job could be the call's")
	e.say.Report(ctx, rec, ReconcileUnclear{Called: call.Sent, Jobs: possible})
}

// noJobFound records that no job is r's restore now that the time to wait
// for one has passed: the restore did not start, and a new request is safe.
func (e *Executor) noJobFound(ctx context.Context, log zerolog.Logger, r approvals.Request, call jobCall, passed []JobSeen) {
	within := e.settleAfter()
	detail := fmt.Sprintf("reconciled: no restore job on the target in GaussDB's job list within %s of the call; a new request is safe", within)
	if len(passed) > 0 {
		detail += "; not this request's: " + seenList(passed)
	}
	rec, err := e.store.NoJobFound(ctx, r.ID, detail)
	if err != nil {
		logUnlessRefused(log, err, "could not record that no job was found")
		return
	}
	log.Info().Int("passed", len(passed)).Msg("unknown outcome reconciled: no restore job found")
	e.say.Report(ctx, rec, ReconcileGaveUp{Within: within, Called: call.Sent, Passed: passed})
}

// logUnlessRefused logs err unless the store refused because someone else
// (a late answer, another sweeper) settled the request first.
func logUnlessRefused(log zerolog.Logger, err error, msg string) {
	var refusal *approvals.Refusal
	if !errors.As(err, &refusal) {
		log.Warn().Err(err).Msg(msg)
	}
}

// seenList is jobs, and why each was judged so, for the audit trail.
func seenList(jobs []JobSeen) string {
	parts := make([]string, 0, len(jobs))
	for _, j := range jobs {
		why := string(j.Why)
		if j.Owner != "" {
			why += " " + j.Owner
		}
		parts = append(parts, fmt.Sprintf("%s %s on %s created %s: %s", j.ID, j.Name, j.InstanceID, j.Created.UTC().Format(time.RFC3339), why))
	}
	return strings.Join(parts, "; ")
}

// stamp is an instant in UTC to the minute, for the audit trail.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
