// Package execution is a restore's life after the threshold click: the
// safety backup, the one restore call, following the job to its end,
// reconciling unknown outcomes with GaussDB's job list, and reporting
// submissions a dead replica left behind. It knows no Slack and writes no
// sentences for people: it reports typed events carrying data (events.go)
// to a Reporter, and the Slack side renders them, so every guarantee about
// the restore call reads here in one place and any other surface can
// report the same events its own way.
package execution

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Rechecker checks again, just before the restore call, what may have
// changed since the approval (the backup, the window, the target).
type Rechecker interface {
	Recheck(ctx context.Context, p restore.Plan) error
}

// Restorer makes the one restore call. It must never retry on its own.
type Restorer interface {
	Restore(ctx context.Context, c restore.Call) (jobID string, err error)
}

// JobReader reads the state of a GaussDB job.
type JobReader interface {
	Job(ctx context.Context, jobID string) (restore.Job, error)
}

// BackupMaker takes and reads manual backups, for the safety backup taken
// before a restore overwrites an instance.
type BackupMaker interface {
	CreateBackup(ctx context.Context, instanceID, name, description string) (backupID, jobID string, err error)
	Backup(ctx context.Context, backupID string) (restore.Backup, error)
}

// Options is everything an Executor needs. The durations are required
// (config.Defaults has them); New refuses a zero one.
type Options struct {
	Log      zerolog.Logger
	Store    *approvals.Store
	Reporter Reporter
	Checker  Rechecker
	Restorer Restorer         // nil only in a dry run
	Tables   TableRestorer    // nil: an approved table restore fails, not called
	Jobs     JobReader        // nil: jobs are not followed (offline dry run)
	JobList  JobLister        // nil: unknown outcomes are not reconciled
	Backups  BackupMaker      // nil: no safety backup can be taken (offline)
	Metrics  *metrics.Metrics // nil: not measured
	Now      func() time.Time
	DryRun   bool
	// NewInstances creates, follows and reports the instances of restores
	// to a new instance; nil: such requests fail without any call.
	NewInstances NewInstanceMaker

	JobPollInterval time.Duration // how often a running job is read (RESTORE_JOB_POLL_INTERVAL)
	JobTimeout      time.Duration // a job running longer gets one warning (RESTORE_JOB_TIMEOUT)
	RestoreTimeout  time.Duration // bound on the one restore call
	ReconcileAfter  time.Duration // how long to look for the job of an unknown outcome (RESTORE_RECONCILE_AFTER)
	// ReconcileEvery is how often one unknown outcome is looked up in the job
	// list. Tests that need the late answer to arrive before any
	// reconciliation set it long.
	ReconcileEvery time.Duration
}

// Executor runs approved requests. One per process.
type Executor struct {
	log    zerolog.Logger
	store  *approvals.Store
	say    Reporter
	check  Rechecker
	cloud  Restorer
	jobs   JobReader
	list   JobLister
	tables TableRestorer    // nil: table restores fail, not called
	fresh  NewInstanceMaker // nil: restores to a new instance fail, not called
	backup BackupMaker
	m      *metrics.Metrics
	now    func() time.Time
	opt    Options

	// executions are approved requests waiting for their safety backup.
	// They wait beside the caller's worker pool, not on it: a backup can
	// take hours, and must not hold a worker that clicks need.
	executions sync.WaitGroup
	// stopping ends on Stop; long waits (a safety backup) give up then,
	// while short work (the restore call) finishes.
	stopping context.Context
	stop     context.CancelFunc

	nextLook map[string]time.Time // Reconcile: when to look for each request's job again
}

// New builds an Executor.
func New(o Options) (*Executor, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("execution: no request store")
	case o.Reporter == nil:
		return nil, errors.New("execution: no reporter")
	case o.Checker == nil:
		return nil, errors.New("execution: no re-checker")
	case o.Restorer == nil && !o.DryRun:
		return nil, errors.New("execution: no restore client and not a dry run")
	case o.Now == nil:
		return nil, errors.New("execution: no clock")
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{{"JobPollInterval", o.JobPollInterval}, {"JobTimeout", o.JobTimeout}, {"RestoreTimeout", o.RestoreTimeout},
		{"ReconcileAfter", o.ReconcileAfter}, {"ReconcileEvery", o.ReconcileEvery}} {
		if d.d <= 0 {
			return nil, fmt.Errorf("execution: Options.%s is %s; it must be positive (config.Defaults has it)", d.name, d.d)
		}
	}
	// Stop cancels it: long waits give up. A process-long context, not a
	// request's: it belongs to the Executor, which lives as long.
	stopping, stop := context.WithCancel(context.Background())
	return &Executor{
		log: o.Log, store: o.Store, say: o.Reporter, check: o.Checker, cloud: o.Restorer,
		jobs: o.Jobs, list: o.JobList, tables: o.Tables, fresh: o.NewInstances, backup: o.Backups, nextLook: map[string]time.Time{}, m: o.Metrics, now: o.Now, opt: o,
		stopping: stopping, stop: stop,
	}, nil
}

// Stop makes long waits (safety backups) give up: their requests end as
// failed, restore not called. Restore calls already under way finish.
func (e *Executor) Stop() { e.stop() }

// Wait returns when every execution started by Execute has ended.
func (e *Executor) Wait() { e.executions.Wait() }

// SamePlace keeps the approval message's place known to the caller when the
// stored copy does not have it yet (recorded a few milliseconds after posting).
func SamePlace(rec, known approvals.Request) approvals.Request {
	if rec.MessageTS == "" {
		rec.Channel, rec.MessageTS = known.Channel, known.MessageTS
	}
	return rec
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
