package main

import (
	"context"
	"io"
	"time"

	"github.com/dbrestore/db-restore/internal/botrun"
)

// run starts the bot (internal/botrun) and blocks until ctx ends or a fatal
// error. It reads its settings through getenv only.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return botrun.Run(ctx, args, getenv, stdout, stderr)
}

// hooks are what tests may change beyond the environment: the clock, how
// often the sweeper looks for expired requests, and the restore lease's
// lifetime.
type hooks struct {
	now           func() time.Time
	sweepInterval time.Duration
	leaseTTL      time.Duration
	workers       int // goroutines doing work after acks (0: the default)
	workQueue     int // work waiting before "busy" acks (0: the default)
	// Home tab and progress pacing (zero: the defaults, Slack's limits).
	homeInterval, homeRateWindow time.Duration
	homeRate                     int
	progressInterval             time.Duration
	reconcileEvery               time.Duration // how often an unknown outcome is looked up (zero: the default)
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, h hooks) error {
	return botrun.RunWith(ctx, args, getenv, stdout, stderr, botrun.Hooks{
		Now: h.now, SweepInterval: h.sweepInterval, LeaseTTL: h.leaseTTL,
		HomeInterval: h.homeInterval, HomeRate: h.homeRate, HomeRateWindow: h.homeRateWindow,
		ProgressInterval: h.progressInterval, ReconcileEvery: h.reconcileEvery,
		Workers: h.workers, WorkQueue: h.workQueue,
	})
}
