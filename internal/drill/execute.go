package drill

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// execute runs (or resumes) one drill run to its end: each covered
// instance restored, checked and deleted in turn, then one report. When
// the lease is lost or the process stops, it returns without ending the
// run, whose saved progress lets a replica resume it.
func (r *Runner) execute(ctx context.Context, d policy.Drill, run *Run, resumed bool, log zerolog.Logger) {
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go r.renewLease(ctx, stop, d.Name)
	if !resumed {
		if err := r.cover(ctx, d, run); err != nil {
			log.Warn().Err(err).Msg("Drill run stopped before it began.")
			return
		}
		r.o.Notifier.DrillEvent(ctx, Event{Kind: EventStarted, Drill: d, Run: *run})
	}
	for i := range run.Targets {
		if err := r.target(ctx, d, run, i, log); err != nil {
			log.Warn().Err(err).Msg("Drill run left to be resumed.")
			_ = r.o.Store.Release(context.WithoutCancel(ctx), d.Name)
			return
		}
	}
	r.end(ctx, d, run, log)
}

// cover fills in the instances the run restores and saves the run.
func (r *Runner) cover(ctx context.Context, d policy.Drill, run *Run) error {
	all, err := r.o.Lister.ListInstances(ctx)
	switch {
	case err != nil:
		run.Reason = "could not list the instances: " + err.Error()
	default:
		for _, in := range all {
			if d.Covers(in) && !isDrillInstance(in) {
				run.Targets = append(run.Targets, TargetRun{SourceID: in.ID, SourceName: in.Name, SourceTags: in.Tags,
					RequestID: RequestID(run.ID, in.ID)})
			}
		}
		if len(run.Targets) == 0 {
			run.Reason = "no instance matches the drill"
		}
	}
	return r.o.Store.Save(ctx, run)
}

// isDrillInstance reports whether in is an instance a drill (or a person's
// new-instance restore) created: a drill never restores those.
func isDrillInstance(in restore.Instance) bool {
	return in.Tags[tagCreatedBy] != ""
}

// end judges the run, records it and posts the one report.
func (r *Runner) end(ctx context.Context, d policy.Drill, run *Run, log zerolog.Logger) {
	run.Ended, run.Stage = r.o.Now(), StagePassed
	if run.Reason != "" || len(run.Targets) == 0 {
		run.Stage = StageFailed
	}
	for _, t := range run.Targets {
		if !t.Pass {
			run.Stage = StageFailed
			if run.Reason == "" {
				run.Reason = t.SourceName + ": " + t.Reason
			}
		}
	}
	if err := r.o.Store.Finish(ctx, run); err != nil {
		log.Warn().Err(err).Msg("Drill run not recorded.")
		return
	}
	r.forget(run)
	log.Info().Str("stage", run.Stage).Dur("recovery", run.Recovery()).Msg("Drill run ended.")
	runs, _ := r.o.Store.Runs(ctx, d.Name, KeptRuns)
	r.o.Notifier.DrillEvent(ctx, Event{Kind: EventEnded, Drill: d, Run: *run, Stats: Summarize(runs)})
}

// renewLease keeps the run's lease until ctx ends; losing it stops the run.
func (r *Runner) renewLease(ctx context.Context, stop context.CancelCauseFunc, drill string) {
	t := time.NewTicker(r.o.Store.LeaseTTL() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.o.Store.Renew(ctx, drill); errors.Is(err, ErrLeaseLost) {
				stop(err)
				return
			}
		}
	}
}

// target takes one covered instance through the steps it has not done:
// plan, call, ACTIVE, checks, deletion. It returns an error only when the
// run must stop unfinished (lease lost, shutdown); a failed step ends the
// target failed and goes on to deletion.
func (r *Runner) target(ctx context.Context, d policy.Drill, run *Run, i int, log zerolog.Logger) error {
	t := &run.Targets[i]
	if (t.Pass || t.Reason != "") && (t.Deleted || t.NewID == "") {
		return nil // done before a restart
	}
	if !t.Called {
		if err := r.call(ctx, d, run, t); err != nil {
			return err
		}
	} else if t.NewID == "" && t.Reason == "" {
		r.findAfterRestart(ctx, run, t)
	}
	if t.NewID != "" && t.Reason == "" && t.ChecksDoneAt.IsZero() {
		if err := r.waitAndCheck(ctx, d, run, t); err != nil {
			return err
		}
	}
	if t.NewID != "" && !t.Deleted {
		r.dispose(ctx, d, run, t, log)
	}
	return r.save(ctx, run)
}

// save records progress; an error means the run must stop here.
func (r *Runner) save(ctx context.Context, run *Run) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return r.o.Store.Save(ctx, run)
}

// call plans the restore, checks the guard and makes the one create call.
func (r *Runner) call(ctx context.Context, d policy.Drill, run *Run, t *TargetRun) error {
	src := restore.Instance{ID: t.SourceID, Name: t.SourceName, Tags: t.SourceTags}
	p, err := r.o.Creator.Plan(ctx, d, src, t.RequestID, r.o.Now())
	if err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		t.Reason = "not called: " + err.Error()
		return r.save(ctx, run)
	}
	t.NewName, t.BackupID, t.Instant, t.Age = p.Name, p.BackupID, p.Instant, p.Age
	if err := r.save(ctx, run); err != nil {
		return err
	}
	if err := r.o.Guard.BeforeCreate(ctx, d, src); err != nil {
		t.Reason = "not called: " + err.Error()
		return r.save(ctx, run)
	}
	t.Called, t.CalledAt = true, r.o.Now()
	if err := r.save(ctx, run); err != nil { // not recorded: not called
		return err
	}
	cctx, cancel := afterGrace(ctx, createGrace)
	created, pw, err := r.o.Creator.Create(cctx, d, p)
	cancel()
	r.settle(ctx, run, t, created, pw, err)
	return r.save(context.WithoutCancel(ctx), run)
}

// createGrace is how long a create call in flight (and the look for its
// instance after an unclear answer) may go on once the run is stopped: the
// call itself is bounded by the new-instance path's own timeout, and an
// instance it may have made is looked for again by the next replica.
const createGrace = 5 * time.Second

// afterGrace is ctx without its cancellation, cancelled grace after ctx
// ends.
func afterGrace(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-out.Done():
		}
	})
	return out, func() { stop(); cancel() }
}

// settle records a create call's answer.
func (r *Runner) settle(ctx context.Context, run *Run, t *TargetRun, created Created, pw restore.Password, err error) {
	ctx = context.WithoutCancel(ctx)
	if !pw.Empty() {
		r.remember(run, t, pw)
	}
	t.NewID, t.JobID = created.InstanceID, created.JobID
	switch {
	case errors.Is(err, ErrRejected):
		t.Called = false
		t.Reason = "GaussDB refused the create call: " + err.Error()
	case errors.Is(err, ErrNotSent): // its words start "not called: "
		t.Called = false
		t.Reason = err.Error()
	case err != nil && t.NewID == "":
		if t.NewID, _ = r.o.Creator.Find(ctx, t.NewName, t.RequestID); t.NewID == "" {
			t.Reason = "outcome unknown (" + err.Error() + "); no instance named " + t.NewName + " found yet: the bot keeps looking and deletes it if it appears"
			_ = r.o.Store.Keep(ctx, Kept{RunID: run.ID, RequestID: t.RequestID, Name: t.NewName, Drill: run.Drill}, r.o.Now())
		}
	}
}

// findAfterRestart handles a run interrupted between recording the call
// and recording its answer: the instance is looked for by name and tag,
// never created again.
func (r *Runner) findAfterRestart(ctx context.Context, run *Run, t *TargetRun) {
	id, err := r.o.Creator.Find(ctx, t.NewName, t.RequestID)
	if id != "" {
		t.NewID = id
		return
	}
	why := "none found yet"
	if err != nil {
		why = "the search failed: " + err.Error()
	}
	t.Reason = "the bot restarted during the create call; looked for " + t.NewName + ", " + why + ": the bot keeps looking and deletes it if it appears"
	_ = r.o.Store.Keep(ctx, Kept{RunID: run.ID, RequestID: t.RequestID, Name: t.NewName, Drill: run.Drill}, r.o.Now())
}

// waitAndCheck follows the new instance to ACTIVE and runs the checks, all
// within max_duration of the call.
func (r *Runner) waitAndCheck(ctx context.Context, d policy.Drill, run *Run, t *TargetRun) error {
	deadline := t.CalledAt.Add(d.MaxDuration)
	addr, err := r.waitActive(ctx, t.NewID, t.JobID, deadline, d.MaxDuration)
	if err != nil {
		if context.Cause(ctx) != nil {
			return context.Cause(ctx)
		}
		t.Reason = err.Error()
		return r.save(ctx, run)
	}
	if t.ActiveAt.IsZero() {
		t.ActiveAt = r.o.Now()
	}
	if err := r.save(ctx, run); err != nil {
		return err
	}
	pw, ok := r.password(run, t)
	if !ok {
		t.Reason = "the bot restarted after the create call; the instance's password is never stored, so the checks could not run"
		t.ChecksDoneAt = r.o.Now()
		return r.save(ctx, run)
	}
	cctx, cancel := WithRunDeadline(ctx, r.wallDeadline(deadline))
	t.Checks = RunChecks(cctx, Target{Addr: addr, User: r.o.User, Password: pw.Reveal()}, d.Checks)
	cancel()
	if context.Cause(ctx) != nil {
		return context.Cause(ctx)
	}
	t.ChecksDoneAt = r.o.Now()
	if t.Pass = Passed(t.Checks); !t.Pass {
		t.Reason = failedChecks(t.Checks)
	}
	return r.save(ctx, run)
}

// wallDeadline turns a deadline on the runner's clock into one on the wall
// clock, which contexts use.
func (r *Runner) wallDeadline(at time.Time) time.Time {
	return time.Now().Add(at.Sub(r.o.Now()))
}

// waitActive polls the instance until ACTIVE, failed, or past deadline.
func (r *Runner) waitActive(ctx context.Context, id, job string, deadline time.Time, maxDur time.Duration) (string, error) {
	for {
		status, addr, err := r.o.Keeper.Status(ctx, id, job)
		switch {
		case err == nil && status == "ACTIVE" && addr != "":
			return addr, nil
		case err == nil && failedStatus(status):
			return "", fmt.Errorf("the new instance is %s", status)
		}
		if !r.o.Now().Before(deadline) {
			return "", fmt.Errorf("not ACTIVE within max_duration %s (last status %s)", policy.FormatDuration(maxDur), orUnknown(status, err))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(r.o.Poll):
		}
	}
}

func failedStatus(s string) bool {
	switch strings.ToUpper(s) {
	case "FAILED", "CREATEFAIL", "ABNORMAL", "DELETED":
		return true
	}
	return false
}

func orUnknown(status string, err error) string {
	if err != nil {
		return "unreadable: " + err.Error()
	}
	if status == "" {
		return "unknown"
	}
	return status
}

func failedChecks(rs []Result) string {
	var out []string
	for _, c := range rs {
		if !c.Pass {
			out = append(out, c.Check+": "+c.Reason)
		}
	}
	return strings.Join(out, "; ")
}

// tagCreatedBy is the tag the bot puts on every instance it creates (the
// new-instance restore's restore.TagCreatedBy).
const tagCreatedBy = "db-restore-created-by"
