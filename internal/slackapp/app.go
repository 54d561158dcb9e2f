// Package slackapp is the bot's Slack transport: the Socket Mode loop that
// acks every envelope at once, admission, the slash command, button and
// form handlers (which decode the envelope, call intake, and hand the
// result to slackview), the fan-out that delivers each rendered event to
// the thread, the incident channel, DMs and Home (notify.go), the pacing of
// Home publishes and the request form's sessions. The words, emoji and
// mentions people read are slackview's. It decides nothing about a
// restore: who may request and approve is intake's, the request's states
// are approvals', the restore's life after approval is execution's, and
// botrun builds and runs them all.
package slackapp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/outbox"
)

// Executor runs a request from the threshold click on (execution.Executor).
type Executor interface {
	// Execute runs a request the click moved to executing.
	Execute(ctx context.Context, r approvals.Request)
	// AwaitConfirmation handles a threshold approval the store could not
	// confirm: it waits for the confirmation (shown in the thread), then
	// runs it or reports it not called.
	AwaitConfirmation(ctx context.Context, r approvals.Request)
	// Queued reports a threshold approval that waits for its instance.
	Queued(ctx context.Context, r approvals.Request)
}

// Options is everything the app needs. The durations, rates and sizes are
// required (config.Defaults has them); New refuses a zero one.
type Options struct {
	Log   zerolog.Logger
	API   *slack.Client
	Store *approvals.Store
	// Intake creates requests and decides on them (botrun builds it, with
	// People as its directory of people).
	Intake    *intake.Service
	People    *People
	Executor  Executor
	Catalog   Catalog          // what the request form offers; nil: the form is not offered
	Tables    TableCatalog     // the form's table lists; nil: tables cannot be listed
	Metrics   *metrics.Metrics // nil: not measured
	Drills    DrillBoard       // nil: no drills run (none in the policy, or a dry run)
	Instances Instances        // for `/db-restore policy`; nil offline
	Now       func() time.Time
	// NewInstances serves restores to a new instance (the Keep and Delete
	// buttons, the Home section); nil: the bot creates none.
	NewInstances *lifetime.Manager

	Admins          []string // may freeze restores and mark break-glass reviewed
	ApprovalChannel string   // empty: the channel the command was typed in
	IncidentChannel string

	RemindAfter time.Duration // approvers are reminded once after this

	// Gate admits each slash command and form submission once across
	// replicas and limits each user's commands a minute; nil: neither.
	Gate            *limits.Gate
	Workers         int // goroutines doing the work after acks
	DecisionWorkers int // goroutines taking only Approve, Deny and cancel
	DecisionQueue   int // decisions waiting for a worker before clicks are dropped
	WorkQueue       int // other work waiting before envelopes are acked "busy"
	// HomeInterval is the least time between two routine publishes of one
	// person's Home tab; opening the tab or clicking in it publishes at
	// once. HomeRate publishes per HomeRateWindow is the most the bot
	// makes in all (under Slack's Tier 4).
	HomeInterval   time.Duration
	HomeRate       int
	HomeRateWindow time.Duration
	// ProgressInterval is the least time between two updates of a running
	// restore's progress message.
	ProgressInterval time.Duration
	// PostInterval paces new messages in one channel: at most 3 within
	// any 3×PostInterval (Slack's chat.postMessage rate per channel is
	// about one a second); 0: unpaced, only against a fake without limits.
	PostInterval time.Duration
}

// App is the running bot's Slack side.
type App struct {
	log       zerolog.Logger
	api       *slack.Client
	store     *approvals.Store
	m         *metrics.Metrics
	drills    DrillBoard
	instances Instances
	now       func() time.Time
	people    *People
	forms     *forms
	gate      *limits.Gate
	homes     *homeBoard
	// progressTS are this replica's progress messages (progress.go).
	progressTS progressMessages
	opt        Options
	out        *outbox.Outbox // every message of a request's life (send.go)
	dms        dmChannels
	sendUntil  atomic.Value // time.Time: the end of the drain bound, once Run stops

	exec Executor // the restore's life after approval

	connected atomic.Bool
	fatal     chan error      // a Web API answer that no retry can fix; stops Run
	in        *intake.Service // creating requests and deciding on them
}

// New builds the app; Run starts it.
func New(o Options) (*App, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	a := &App{
		log: o.Log, api: o.API, store: o.Store, m: o.Metrics, exec: o.Executor, drills: o.Drills,
		instances: o.Instances, gate: o.Gate, in: o.Intake,
		fatal: make(chan error, 1),
		now:   o.Now, people: o.People, forms: newForms(o.Catalog, o.Tables, o.Now), opt: o,
		homes: newHomeBoard(o.HomeInterval, o.HomeRate, o.HomeRateWindow),
	}
	a.out = newOutbox(a, o.PostInterval)
	return a, nil
}

// check refuses options without what the app cannot run without.
func (o Options) check() error {
	switch {
	case o.API == nil:
		return errors.New("slackapp: no Slack client")
	case o.Store == nil:
		return errors.New("slackapp: no request store")
	case o.Intake == nil:
		return errors.New("slackapp: no intake")
	case o.People == nil:
		return errors.New("slackapp: no directory of people")
	case o.Executor == nil:
		return errors.New("slackapp: no executor")
	case o.Now == nil:
		return errors.New("slackapp: no clock")
	}
	for _, v := range []struct {
		name string
		n    int64
	}{{"RemindAfter", int64(o.RemindAfter)},
		{"Workers", int64(o.Workers)}, {"DecisionWorkers", int64(o.DecisionWorkers)}, {"DecisionQueue", int64(o.DecisionQueue)},
		{"WorkQueue", int64(o.WorkQueue)}, {"HomeInterval", int64(o.HomeInterval)}, {"HomeRate", int64(o.HomeRate)},
		{"HomeRateWindow", int64(o.HomeRateWindow)}, {"ProgressInterval", int64(o.ProgressInterval)}} {
		if v.n <= 0 {
			return fmt.Errorf("slackapp: Options.%s is not set; it must be positive (config.Defaults has it)", v.name)
		}
	}
	return nil
}

// Connected reports whether a Socket Mode link is up, for readiness.
func (a *App) Connected() bool { return a.connected.Load() }

// Run connects to Slack and serves until ctx ends or Slack refuses the
// tokens. On return every accepted piece of work has finished.
//
// It runs the Slack side's own loops (the policy hold and Home tab
// publishing); botrun runs the engine's (following jobs, sweeping) beside
// it.
func (a *App) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx) // a fatal Slack error stops the background loops too
	defer cancel()
	work := context.WithoutCancel(ctx) // in-flight work finishes after a shutdown signal
	p := startPool(a.opt.DecisionWorkers, a.opt.Workers, a.opt.DecisionQueue, a.opt.WorkQueue)

	a.claimPolicy(work)
	defer a.releasePolicy(work) // after every piece of work below has ended
	var background sync.WaitGroup
	background.Go(func() { a.holdPolicy(ctx, work) })
	background.Go(func() { a.publishHomes(ctx, work) })

	err := a.serveSocket(ctx, func(l lane, job func(context.Context)) bool { return p.tryQueue(l, func() { job(work) }) })
	stopped := ctx.Err() != nil
	cancel()
	a.stopSendingLater() // the outbox drains until botrun calls DrainMessages
	background.Wait()
	p.stop() // every accepted envelope's work finishes
	if stopped {
		return nil
	}
	return err
}
