package slackapp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
)

// JobReader reads the state of a GaussDB job.
type JobReader interface {
	Job(ctx context.Context, jobID string) (restore.Job, error)
}

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

// followJobs follows every submitted restore job to its end. Submitted jobs
// live in Redis, so a restarted replica picks them up again; each job is
// followed by the one replica holding its lease, and another replica takes
// over within the lease time when that one dies.
func (a *App) followJobs(ctx, work context.Context) {
	if a.jobs == nil {
		return
	}
	interval := a.opt.JobPollInterval
	leaseTTL := max(3*interval, 2*time.Second)
	watches := map[string]*jobWatch{}
	defer func() {
		for id := range watches {
			_ = a.store.ReleaseLease(work, "follow:"+id) // hand over at once on shutdown
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.followRound(ctx, work, watches, leaseTTL)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) followRound(ctx, work context.Context, watches map[string]*jobWatch, leaseTTL time.Duration) {
	reqs, err := a.store.Submitted(work)
	if err != nil {
		a.log.Warn().Err(err).Msg("could not list submitted restores")
		return
	}
	seen := make(map[string]bool, len(reqs))
	g, gctx := errgroup.WithContext(work)
	g.SetLimit(8)
	for _, r := range reqs {
		if ctx.Err() != nil {
			break
		}
		held, err := a.store.TakeLease(work, "follow:"+r.ID, leaseTTL)
		if err != nil || !held {
			continue
		}
		seen[r.ID] = true
		w := watches[r.ID]
		if w == nil {
			w = &jobWatch{}
			watches[r.ID] = w
		}
		if a.now().Before(w.next) {
			continue
		}
		g.Go(func() error {
			a.pollJob(gctx, r, w)
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

func (a *App) pollJob(ctx context.Context, r approvals.Request, w *jobWatch) {
	log := a.log.With().Str("request_id", r.ID).Str("job_id", r.JobID).Logger()
	now := a.now()
	job, err := a.jobs.Job(ctx, r.JobID)
	if err != nil {
		if restore.IsNotFound(err) && now.Sub(r.SubmittedAt) < jobVisibleAfter {
			w.next = now.Add(a.opt.JobPollInterval)
			return
		}
		w.backoff = min(max(2*w.backoff, a.opt.JobPollInterval), maxJobBackoff)
		w.next = now.Add(w.backoff)
		a.m.APIError("gaussdb", "job")
		log.Warn().Err(err).Dur("backoff", w.backoff).Msg("could not read the restore job")
		return
	}
	w.backoff, w.next = 0, now.Add(a.opt.JobPollInterval)
	switch strings.ToLower(job.Status) {
	case "completed", "success", "successful":
		a.jobEnded(ctx, r, job, true)
		return
	case "failed", "canceled", "cancelled", "unauthorized":
		a.jobEnded(ctx, r, job, false)
		return
	}
	if job.Progress != "" && job.Progress != w.lastProgress {
		if _, err := a.store.Note(ctx, r.ID, fmt.Sprintf("job %s %s", job.Status, job.Progress), ""); err == nil {
			w.lastProgress = job.Progress
		}
	}
	if running := now.Sub(r.SubmittedAt); !r.SubmittedAt.IsZero() && running > a.opt.JobTimeout {
		first, err := a.store.Note(ctx, r.ID, "still running after "+running.Round(time.Minute).String(), "timeout_warned")
		if err == nil && first {
			log.Warn().Dur("running", running).Msg("restore job is taking longer than RESTORE_JOB_TIMEOUT")
			text := fmt.Sprintf(":hourglass: Restore job `%s` is still running after %s (more than RESTORE_JOB_TIMEOUT, %s). The bot keeps following it; check the instance in the GaussDB console.",
				esc(r.JobID), running.Round(time.Minute), a.opt.JobTimeout)
			a.thread(ctx, r, text)
			a.announce(ctx, r, fmt.Sprintf(":hourglass: Restore `%s` is still running after %s: %s", r.ID, running.Round(time.Minute), whatLine(r)))
		}
	}
}

// jobEnded records a finished job and tells the thread, the incident
// channel and the requester. The store's transition decides who reports:
// a replica that finds the request already finished says nothing.
func (a *App) jobEnded(ctx context.Context, r approvals.Request, job restore.Job, ok bool) {
	log := a.log.With().Str("request_id", r.ID).Str("job_id", r.JobID).Logger()
	took := ""
	if !r.SubmittedAt.IsZero() {
		took = a.now().Sub(r.SubmittedAt).Round(time.Second).String()
	}
	var (
		rec approvals.Request
		err error
	)
	if ok {
		rec, err = a.store.MarkCompleted(ctx, r.ID, "job completed in "+took)
	} else {
		reason := job.FailReason
		if reason == "" {
			reason = "no reason given"
		}
		rec, err = a.store.MarkFailed(ctx, r.ID, fmt.Sprintf("job %s: %s", strings.ToLower(job.Status), reason))
	}
	if err != nil {
		log.Info().Err(err).Msg("job end already recorded or not recordable")
		return
	}
	_ = a.store.ReleaseLease(ctx, "follow:"+r.ID)
	rec = samePlace(rec, r)
	a.m.Transition(string(rec.State))
	a.m.JobEnded(string(rec.State), a.now().Sub(r.SubmittedAt))
	a.refresh(ctx, rec)
	if ok {
		log.Info().Str("took", took).Msg("restore completed")
		a.thread(ctx, rec, fmt.Sprintf(":white_check_mark: Restore completed (job `%s`, %s after submission).", esc(r.JobID), took))
		a.announce(ctx, rec, fmt.Sprintf(":white_check_mark: Restore `%s` completed in %s: %s", rec.ID, took, whatLine(rec)))
		a.dm(ctx, rec.Requester, fmt.Sprintf(":white_check_mark: Your restore `%s` completed in %s: %s", rec.ID, took, whatLine(rec)))
		return
	}
	log.Warn().Str("fail_reason", job.FailReason).Msg("restore job failed")
	a.thread(ctx, rec, ":x: *Restore job failed:* "+esc(rec.Detail))
	a.announce(ctx, rec, fmt.Sprintf(":x: Restore `%s` failed: %s", rec.ID, whatLine(rec)))
	a.dm(ctx, rec.Requester, fmt.Sprintf(":x: Your restore `%s` failed: %s", rec.ID, esc(rec.Detail)))
}
