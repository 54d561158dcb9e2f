// Package slackapp is the bot's Slack side: the Socket Mode loop that acks
// every envelope at once, the slash command and button handlers, and the
// Block Kit messages people see. The request's states are in approvals;
// what happens after the threshold click (safety backup, the restore call,
// following the job) is in execution, which reports through this package;
// the cloud calls are in restore.
package slackapp

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Validator checks a request against the cloud before it is stored, and
// again just before the restore call.
type Validator interface {
	Validate(ctx context.Context, s restore.Spec) (restore.Plan, error)
	Recheck(ctx context.Context, p restore.Plan) error
}

// Restorer makes the one restore call. It must never retry on its own.
type Restorer = execution.Restorer

// JobReader reads the state of a GaussDB job.
type JobReader = execution.JobReader

// Options is everything the app needs. Zero durations take the defaults.
type Options struct {
	Log       zerolog.Logger
	API       *slack.Client
	Store     *approvals.Store
	Validator Validator
	Restorer  Restorer         // nil only in a dry run
	Catalog   Catalog          // what the request form offers; nil: the form is not offered
	Jobs      JobReader        // nil: submitted jobs are not followed (offline dry run)
	Metrics   *metrics.Metrics // nil: not measured
	Drills    DrillBoard       // nil: no drills run (none in the policy, or a dry run)
	// DrillTimes feed the restore estimate with drill recovery times.
	DrillTimes intake.DrillTimes
	Policy     *policy.Policy // nil: one rule made of Approvers, Requesters and the channels
	Instances  Instances      // for `/db-restore policy`; nil offline
	Backups    BackupMaker    // safety backups; nil offline
	Now        func() time.Time

	Approvers       []string // Slack user and user-group IDs
	Requesters      []string // empty: anyone may request
	Admins          []string // may freeze restores and mark break-glass reviewed
	BreakGlass      []string // may lower a rule's threshold to one approver
	ApprovalChannel string   // empty: the channel the command was typed in
	IncidentChannel string
	RequestTTL      time.Duration
	DryRun          bool

	JobPollInterval time.Duration // how often a running restore job is read (default 15s)
	JobTimeout      time.Duration // a job running longer gets one warning (default 6h)
	RemindAfter     time.Duration // approvers are reminded once after this (default 10m)
	ReconcileAfter  time.Duration // how long to look for the job of an unknown outcome (default 10m)
	ReconcileEvery  time.Duration // how often one unknown outcome is looked up (test knob; default JobPollInterval)

	RestoreTimeout time.Duration // bound on the one restore call (default 60s)
	SweepInterval  time.Duration // how often expiry and crashed submissions are swept (default 5s)
	// PolicyHeartbeat is how often the replica renews its hold on the
	// policy record (default 5s); a hold lapses after three of them.
	PolicyHeartbeat time.Duration
	Workers         int // goroutines doing the work after acks (default 2 per CPU)

	// Gate admits each slash command and form submission once across
	// replicas and limits each user's commands a minute; nil: neither.
	Gate            *limits.Gate
	DecisionWorkers int // goroutines taking only Approve, Deny and cancel (default 2)
	DecisionQueue   int // decisions waiting for a worker before clicks are dropped (default 1024)
	WorkQueue       int // other work waiting before envelopes are acked "busy" (default 1024)
	// HomeInterval is the least time between two routine publishes of one
	// person's Home tab (default 10s); opening the tab or clicking in it
	// publishes at once. HomeRate publishes per HomeRateWindow is the most
	// the bot makes in all (default 90 a minute, under Slack's Tier 4).
	HomeInterval   time.Duration
	HomeRate       int
	HomeRateWindow time.Duration
	// ProgressInterval is the least time between two updates of a running
	// restore's progress message (default 15s).
	ProgressInterval time.Duration
}

// App is the running bot's Slack side.
type App struct {
	log       zerolog.Logger
	api       *slack.Client
	store     *approvals.Store
	check     Validator
	m         *metrics.Metrics
	drills    DrillBoard
	policy    *policy.Policy
	instances Instances
	backups   BackupMaker
	now       func() time.Time
	people    *people
	forms     *forms
	gate      *limits.Gate
	homes     *homeBoard
	// progressTS are this replica's progress messages (progress.go).
	progressTS progressMessages
	opt        Options

	exec *execution.Executor // the restore's life after approval

	connected atomic.Bool
	fatal     chan error      // a Web API answer that no retry can fix; stops Run
	in        *intake.Service // creating requests and deciding on them
}

// New builds the app; Run starts it.
func New(o Options) (*App, error) {
	switch {
	case o.API == nil:
		return nil, errors.New("slackapp: no Slack client")
	case o.Store == nil:
		return nil, errors.New("slackapp: no request store")
	case o.Validator == nil:
		return nil, errors.New("slackapp: no validator")
	case o.Restorer == nil && !o.DryRun:
		return nil, errors.New("slackapp: no restore client and not a dry run")
	case len(o.Approvers) == 0 && o.Policy == nil:
		return nil, errors.New("slackapp: no approvers and no policy")
	}
	if o.Policy == nil {
		o.Policy = policy.FromEnv(o.Approvers, o.Requesters, o.ApprovalChannel, o.IncidentChannel)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RequestTTL <= 0 {
		o.RequestTTL = 30 * time.Minute
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = 5 * time.Second
	}
	if o.Workers <= 0 {
		// Two per CPU: the work after an ack is mostly waiting on Slack,
		// GaussDB and Redis, and more workers than this only take CPU from
		// the ack path during a burst (measured with cmd/loadtest: 16 workers
		// doubled the p99 ack latency of 1000 approvals and finished later).
		o.Workers = 2 * runtime.GOMAXPROCS(0)
	}
	if o.DecisionWorkers <= 0 {
		o.DecisionWorkers = 2
	}
	if o.DecisionQueue <= 0 {
		o.DecisionQueue = 1024
	}
	if o.WorkQueue <= 0 {
		o.WorkQueue = 1024
	}
	if o.PolicyHeartbeat <= 0 {
		o.PolicyHeartbeat = 5 * time.Second
	}
	if o.RemindAfter <= 0 {
		o.RemindAfter = 10 * time.Minute
	}
	if o.HomeInterval <= 0 {
		o.HomeInterval = 10 * time.Second
	}
	if o.HomeRate <= 0 {
		o.HomeRate = 90
	}
	if o.HomeRateWindow <= 0 {
		o.HomeRateWindow = time.Minute
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 15 * time.Second
	}
	a := &App{
		log: o.Log, api: o.API, store: o.Store, check: o.Validator, m: o.Metrics, drills: o.Drills,
		policy: o.Policy, instances: o.Instances, backups: o.Backups, gate: o.Gate,
		fatal: make(chan error, 1),
		now:   o.Now, people: newPeople(o.API, o.Now), forms: newForms(o.Catalog, o.Now), opt: o,
		homes: newHomeBoard(o.HomeInterval, o.HomeRate, o.HomeRateWindow),
	}
	if err := a.newIntake(); err != nil {
		return nil, err
	}
	// The restore's timings (call bound, polling, reconciling) are passed
	// through as given: execution owns their defaults.
	eo := execution.Options{
		Log: o.Log, Store: o.Store, Reporter: reporter{a}, Checker: o.Validator, Restorer: o.Restorer,
		Jobs: o.Jobs, Metrics: o.Metrics, Now: o.Now, DryRun: o.DryRun,
		Backups: o.Backups, JobPollInterval: o.JobPollInterval, JobTimeout: o.JobTimeout, RestoreTimeout: o.RestoreTimeout,
		ReconcileAfter: o.ReconcileAfter, ReconcileEvery: o.ReconcileEvery,
	}
	if l, ok := o.Jobs.(execution.JobLister); ok { // the GaussDB client lists jobs too
		eo.JobList = l
	}
	exec, err := execution.New(eo)
	if err != nil {
		return nil, err
	}
	a.exec = exec
	return a, nil
}

// Connected reports whether a Socket Mode link is up, for readiness.
func (a *App) Connected() bool { return a.connected.Load() }

// Run connects to Slack and serves until ctx ends or Slack refuses the
// tokens. On return every accepted piece of work has finished.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx) // a fatal Slack error stops the background loops too
	defer cancel()
	defer context.AfterFunc(ctx, a.exec.Stop)() // safety-backup waits give up on shutdown
	work := context.WithoutCancel(ctx)          // in-flight work finishes after a shutdown signal
	p := startPool(a.opt.DecisionWorkers, a.opt.Workers, a.opt.DecisionQueue, a.opt.WorkQueue)

	a.claimPolicy(work)
	defer a.releasePolicy(work) // after every piece of work below has ended
	a.exec.Reap(work)
	var background sync.WaitGroup
	background.Go(func() { a.holdPolicy(ctx, work) })
	background.Go(func() { a.sweep(ctx, work) })
	background.Go(func() { a.exec.Follow(ctx, work) })
	background.Go(func() { a.publishHomes(ctx, work) })

	err := a.serveSocket(ctx, func(l lane, job func(context.Context)) bool { return p.tryQueue(l, func() { job(work) }) })
	stopped := ctx.Err() != nil
	cancel()
	background.Wait()
	p.stop() // every accepted envelope's work finishes
	a.exec.Stop()
	a.exec.Wait() // and every safety-backup wait it started gives up or ends
	if stopped {
		return nil
	}
	return err
}
