package execution

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// jobWatch is this replica's memory of one job it follows.
type jobWatch struct {
	next         time.Time     // when to poll again
	backoff      time.Duration // grows on API errors
	lastProgress string
}

// jobVisibleAfter is how long a new job may be unknown to the job API: the
// docs warn that a job can take a few seconds to become queryable.
const jobVisibleAfter = 5 * time.Minute

// maxJobBackoff caps the wait between polls after API errors.
const maxJobBackoff = 5 * time.Minute

// Follow follows every submitted restore job to its end. Submitted jobs
// live in Redis, so a restarted replica picks them up again; each job is
// followed by the one replica holding its lease, and another replica takes
// over within the lease time when that one dies.
func (e *Executor) Follow(ctx, work context.Context) {
	if e.jobs == nil {
		return
	}
	interval := e.opt.JobPollInterval
	leaseTTL := max(3*interval, 2*time.Second)
	watches := map[string]*jobWatch{}
	defer func() {
		for id := range watches {
			_ = e.store.ReleaseLease(work, "follow:"+id) // hand over at once on shutdown
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.followRound(ctx, work, watches, leaseTTL)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (e *Executor) followRound(ctx, work context.Context, watches map[string]*jobWatch, leaseTTL time.Duration) {
	reqs, err := e.store.Submitted(work)
	if err != nil {
		e.log.Warn().Err(err).Msg("could not list submitted restores")
		return
	}
	seen := make(map[string]bool, len(reqs))
	g, gctx := errgroup.WithContext(work)
	g.SetLimit(8)
	for _, r := range reqs {
		if ctx.Err() != nil {
			break
		}
		held, err := e.store.TakeLease(work, "follow:"+r.ID, leaseTTL)
		if err != nil || !held {
			continue
		}
		seen[r.ID] = true
		w := watches[r.ID]
		if w == nil {
			w = &jobWatch{}
			watches[r.ID] = w
		}
		if e.now().Before(w.next) {
			continue
		}
		g.Go(func() error {
			e.pollJob(gctx, r, w)
			return nil
		})
	}
	_ = g.Wait()
	for id := range watches {
		if !seen[id] {
			delete(watches, id)
		}
	}
}

func (e *Executor) pollJob(ctx context.Context, r approvals.Request, w *jobWatch) {
	log := e.log.With().Str("request_id", r.ID).Str("job_id", r.JobID).Logger()
	now := e.now()
	job, err := e.jobs.Job(ctx, r.JobID)
	if err != nil {
		if restore.IsNotFound(err) && now.Sub(r.SubmittedAt) < jobVisibleAfter {
			w.next = now.Add(e.opt.JobPollInterval)
			return
		}
		w.backoff = min(max(2*w.backoff, e.opt.JobPollInterval), maxJobBackoff)
		w.next = now.Add(w.backoff)
		e.m.APIError("gaussdb", "job")
		log.Warn().Err(err).Dur("backoff", w.backoff).Msg("could not read the restore job")
		return
	}
	w.backoff, w.next = 0, now.Add(e.opt.JobPollInterval)
	switch strings.ToLower(job.Status) {
	case "completed", "success", "successful":
		e.jobEndedThenDispatch(ctx, r, job, true)
		return
	case "failed", "canceled", "cancelled", "unauthorized":
		e.jobEndedThenDispatch(ctx, r, job, false)
		return
	}
	e.say.Report(ctx, r, Progress{JobID: r.JobID, Status: job.Status, Process: job.Progress, Elapsed: e.elapsed(r)})
	if job.Progress != "" && job.Progress != w.lastProgress {
		if _, err := e.store.Note(ctx, r.ID, fmt.Sprintf("job %s %s", job.Status, job.Progress), ""); err == nil {
			w.lastProgress = job.Progress
		}
	}
	if running := now.Sub(r.SubmittedAt); !r.SubmittedAt.IsZero() && running > e.opt.JobTimeout {
		first, err := e.store.Note(ctx, r.ID, "still running after "+running.Round(time.Minute).String(), "timeout_warned")
		if err == nil && first {
			log.Warn().Dur("running", running).Msg("restore job is taking longer than RESTORE_JOB_TIMEOUT")
			e.say.Report(ctx, r, JobOverdue{JobID: r.JobID, Running: running, Limit: e.opt.JobTimeout})
		}
	}
}

// jobEnded records a finished job and tells the thread, the incident
// channel and the requester. The store's transition decides who reports:
// a replica that finds the request already finished says nothing.
func (e *Executor) jobEnded(ctx context.Context, r approvals.Request, job restore.Job, ok bool) {
	log := e.log.With().Str("request_id", r.ID).Str("job_id", r.JobID).Logger()
	took := ""
	if !r.SubmittedAt.IsZero() {
		took = e.now().Sub(r.SubmittedAt).Round(time.Second).String()
	}
	var (
		rec approvals.Request
		err error
	)
	if ok {
		rec, err = e.store.MarkCompleted(ctx, r.ID, "job completed in "+took)
	} else {
		reason := job.FailReason
		if reason == "" {
			reason = "no reason given"
		}
		rec, err = e.store.MarkFailed(ctx, r.ID, fmt.Sprintf("job %s: %s", strings.ToLower(job.Status), reason))
	}
	if err != nil {
		log.Info().Err(err).Msg("job end already recorded or not recordable")
		return
	}
	_ = e.store.ReleaseLease(ctx, "follow:"+r.ID)
	e.say.Report(ctx, r, Progress{JobID: r.JobID, Status: job.Status, Process: job.Progress, Elapsed: e.elapsed(r), Ended: true, OK: ok})
	rec = SamePlace(rec, r)
	e.m.Transition(string(rec.State))
	e.m.JobEnded(string(rec.State), e.now().Sub(r.SubmittedAt))
	if ok {
		log.Info().Str("took", took).Msg("restore completed")
		e.recordDuration(ctx, log, rec)
		if rec.Params.Type == approvals.TypeNewInstance {
			e.newInstanceReady(ctx, log, rec, e.now().Sub(r.SubmittedAt))
			return
		}
		e.say.Report(ctx, rec, Completed{JobID: r.JobID, Took: e.now().Sub(r.SubmittedAt), Timed: !r.SubmittedAt.IsZero(), At: e.now()})
		return
	}
	log.Warn().Str("fail_reason", job.FailReason).Msg("restore job failed")
	e.say.Report(ctx, rec, JobFailed{JobID: r.JobID, Status: job.Status, Reason: job.FailReason})
}

// jobEndedThenDispatch is jobEnded, then the queued requests waiting for
// the instance the job has released are moved on.
func (e *Executor) jobEndedThenDispatch(ctx context.Context, r approvals.Request, job restore.Job, ok bool) {
	e.jobEnded(ctx, r, job, ok)
	e.Dispatch(ctx)
}

// elapsed is how long the request's job has run.
func (e *Executor) elapsed(r approvals.Request) time.Duration {
	if r.SubmittedAt.IsZero() {
		return 0
	}
	return max(e.now().Sub(r.SubmittedAt), 0)
}
