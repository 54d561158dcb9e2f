package config

import (
	"runtime"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Tuning paces the bot's loops and sizes its queues. No environment
// variable sets these: Load takes Defaults' values, and tests change them
// (botrun.Hooks.Tune) to run faster or to provoke a limit.
type Tuning struct {
	// SweepInterval is how often expiry, reminders, interrupted
	// submissions and unknown outcomes are swept.
	SweepInterval time.Duration
	// LeaseTTL is the restore lease's lifetime without renewal.
	LeaseTTL time.Duration
	// PolicyHeartbeat is how often the replica renews its hold on the
	// policy record; a hold lapses after three of them.
	PolicyHeartbeat time.Duration
	// ReconcileEvery is how often one unknown outcome is looked up in
	// GaussDB's job list (Load: RESTORE_JOB_POLL_INTERVAL).
	ReconcileEvery time.Duration

	// Workers do the work after acks; DecisionWorkers take only Approve,
	// Deny and cancel. DecisionQueue decisions may wait before clicks are
	// dropped, WorkQueue other work before envelopes are acked "busy".
	Workers, DecisionWorkers, DecisionQueue, WorkQueue int

	// HomeInterval is the least time between two routine publishes of one
	// person's Home tab; HomeRate publishes per HomeRateWindow is the most
	// the bot makes in all (under Slack's Tier 4).
	HomeInterval   time.Duration
	HomeRate       int
	HomeRateWindow time.Duration
	// ProgressInterval is the least time between two updates of a running
	// restore's progress message.
	ProgressInterval time.Duration
	// DrillTick is how often due restore drills are looked for; DrillPoll
	// how often a drill's new instance is read while it builds.
	DrillTick, DrillPoll time.Duration
}

// Defaults is every setting's default: what Load gives a variable that is
// not set, and the tuning. It is the only place defaults are set; the
// constructors require their values, and tests build them from here.
func Defaults() Config {
	const jobPoll = 15 * time.Second
	return Config{
		SlackAPIURL:        "https://slack.com/api/",
		SlackPostInterval:  time.Second, // chat.postMessage's rate per channel
		RedisKeyPrefix:     "{db-restore}:",
		RedisWaitReplicas:  -1,
		RedisWaitTimeout:   2 * time.Second,
		RedisConfirmWithin: 30 * time.Second,
		RequestTTL:         30 * time.Minute,
		JobPollInterval:    jobPoll,
		JobTimeout:         6 * time.Hour,
		RemindAfter:        10 * time.Minute,
		ReconcileAfter:     10 * time.Minute,
		RestoreCallTimeout: 60 * time.Second,
		MaxTables:          100,
		MaxNewInstances:    3,
		MaxOpenPerUser:     3,
		CommandsPerMinute:  20,
		HealthAddr:         ":8080",
		LogLevel:           zerolog.InfoLevel,
		Tuning: Tuning{
			SweepInterval:   5 * time.Second,
			LeaseTTL:        approvals.DefaultLeaseTTL,
			PolicyHeartbeat: 5 * time.Second,
			ReconcileEvery:  jobPoll,
			// Two per CPU: the work after an ack is mostly waiting on Slack,
			// GaussDB and Redis, and more workers than this only take CPU
			// from the ack path during a burst (measured with cmd/loadtest:
			// 16 workers doubled the p99 ack latency of 1000 approvals and
			// finished later).
			Workers:          2 * runtime.GOMAXPROCS(0),
			DecisionWorkers:  2,
			DecisionQueue:    1024,
			WorkQueue:        1024,
			HomeInterval:     10 * time.Second,
			HomeRate:         90,
			HomeRateWindow:   time.Minute,
			ProgressInterval: 15 * time.Second,
			DrillTick:        30 * time.Second,
			DrillPoll:        30 * time.Second,
		},
	}
}
