package botrun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/outbox"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp"
)

// parts are what the bot is built from.
type parts struct {
	cfg  config.Config
	log  zerolog.Logger
	now  func() time.Time
	pol  *policy.Policy
	conn *redisconn.Conn
	m    *metrics.Metrics
}

// bot is the built bot: its engine and its Slack side, ready to run.
type bot struct {
	parts
	store  *approvals.Store
	exec   *execution.Executor
	app    *slackapp.App
	drills *drill.Runner // nil: no drills to run
}

// reporters tell every surface what execution reports. The executor is
// built before the surfaces that call it, so the list is filled in after
// it, and complete before any loop starts.
type reporters []execution.Reporter

func (rs *reporters) Report(ctx context.Context, r approvals.Request, ev execution.Event) {
	for _, to := range *rs {
		to.Report(ctx, r, ev)
	}
}

// build makes the store, the cloud client, the executor and the Slack app.
func build(ctx context.Context, p parts) (*bot, error) {
	store, err := newStore(ctx, p)
	if err != nil {
		return nil, err
	}
	b := &bot{parts: p, store: store}
	validator, client, err := cloud(ctx, p.cfg, p.log, p.now)
	if err != nil {
		return nil, err
	}
	api, err := slackClient(ctx, p.cfg, p.log, outbox.NewRedisHolds(p.conn.Client, p.cfg.RedisKeyPrefix))
	if err != nil {
		return nil, err
	}
	say := &reporters{}
	eo := execution.Options{
		Log: p.log, Store: b.store, Reporter: say, Checker: validator, Metrics: p.m, Now: p.now, DryRun: p.cfg.DryRun,
		JobPollInterval: p.cfg.JobPollInterval, JobTimeout: p.cfg.JobTimeout, RestoreTimeout: p.cfg.RestoreCallTimeout,
		ReconcileAfter: p.cfg.ReconcileAfter, ReconcileEvery: p.cfg.ReconcileEvery,
	}
	var (
		fresh *lifetime.Manager
		nv    *restore.NewInstanceValidator
	)
	if client != nil { // nil: an offline dry run, where nothing talks to the cloud
		eo.Restorer, eo.Tables, eo.Jobs, eo.JobList, eo.Backups = client, client, client, client, client
		if fresh, nv, err = newInstances(p.cfg, p.log, p.now, p.conn, b.store, client, p.pol); err != nil {
			return nil, err
		}
		eo.NewInstances = fresh
	}
	if b.exec, err = execution.New(eo); err != nil {
		return nil, err
	}
	drills, drillTimes, err := newDrills(drillDeps{cfg: p.cfg, pol: p.pol, conn: p.conn, store: b.store, client: client, api: api,
		m: p.m, log: p.log, now: p.now, tick: p.cfg.DrillTick, poll: p.cfg.DrillPoll})
	if err != nil {
		return nil, err
	}
	people := slackapp.NewPeople(api, p.now)
	io := intakeOptions(p, b.store, validator, people, client)
	ao := appOptions(p, api, b.store, b.exec, client)
	if fresh != nil { // never a typed nil in the interface
		io.NewInstances, ao.NewInstances = nv, fresh
	}
	if drills != nil { // never a typed nil in the interface
		b.drills, ao.Drills, io.DrillTimes = drills, drills, drillTimes
	}
	if ao.Intake, err = intake.New(io); err != nil {
		return nil, err
	}
	ao.People = people
	if b.app, err = slackapp.New(ao); err != nil {
		return nil, err
	}
	*say = append(*say, b.app)
	return b, nil
}

// newStore is the request store on the opened Redis, confirming approvals
// before any cloud call (see durability).
func newStore(ctx context.Context, p parts) (*approvals.Store, error) {
	opts := []approvals.Option{approvals.WithMaxOpenPerUser(p.cfg.MaxOpenPerUser), approvals.WithLeaseTTL(p.cfg.LeaseTTL)}
	d, err := durability(ctx, p)
	if err != nil {
		return nil, err
	}
	if d != nil {
		opts = append(opts, approvals.WithDurability(*d))
		p.log.Info().Str("redis_wait", d.String()).Msg("approvals are confirmed by the Redis replicas before any cloud call")
	}
	return approvals.NewStore(p.conn.Client, p.cfg.RedisKeyPrefix, p.now, opts...), nil
}

// slackClient is the Web API client, its bot token checked.
//
// Every Web API call waits out a Retry-After given for its method to any
// replica (the hold, shared in Redis), and slack-go retries a 429 itself
// after its Retry-After: a 429 means Slack did nothing, so retrying it
// never doubles a message. Other failures are not retried here (a retried
// 5xx of chat.postMessage can post twice): the outbox decides per message.
func slackClient(ctx context.Context, cfg config.Config, log zerolog.Logger, holds outbox.SharedHolds) (*slack.Client, error) {
	api := slack.New(cfg.SlackBotToken,
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(outbox.NewHoldingClient(slackapp.NewHTTPClient(30*time.Second), nil, holds)),
		slack.OptionRetryConfig(slack.RetryConfig{MaxRetries: 3, RetryAfterDuration: time.Second, RetryAfterJitter: 250 * time.Millisecond}))
	auth, err := api.AuthTestContext(ctx)
	var rejected slack.SlackErrorResponse
	switch {
	case errors.As(err, &rejected):
		return nil, fmt.Errorf("slack rejected SLACK_BOT_TOKEN (%s): install the app to the workspace and copy its Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN", rejected.Err)
	case err != nil:
		return nil, fmt.Errorf("could not reach Slack at SLACK_API_URL %s: %w", cfg.SlackAPIURL, err)
	}
	log.Info().Str("bot_user_id", auth.UserID).Str("team", auth.Team).Bool("dry_run", cfg.DryRun).Msg("starting db-restore")
	return api, nil
}

// intakeOptions are the domain's options, from the configuration: the
// rules, the cloud's checks, and people as Slack knows them.
func intakeOptions(p parts, store *approvals.Store, v validator, people *slackapp.People, client *restore.Client) intake.Options {
	c := p.cfg
	o := intake.Options{
		Log: p.log, Store: store, Policy: p.pol, Validator: v, People: people, Zones: people, Metrics: p.m, Now: p.now,
		BreakGlass: c.BreakGlass, Admins: c.Admins, ApprovalChannel: c.ApprovalChannel, IncidentChannel: c.IncidentChannel,
		RequestTTL: c.RequestTTL, DryRun: c.DryRun, PolicyHeartbeat: c.PolicyHeartbeat,
	}
	if client != nil { // an interface holding a nil pointer would not be nil
		o.Instances, o.Backups = client, client
	}
	return o
}

// appOptions are the Slack app's options, from the configuration.
func appOptions(p parts, api *slack.Client, store *approvals.Store, exec slackapp.Executor, client *restore.Client) slackapp.Options {
	c := p.cfg
	o := slackapp.Options{
		Log: p.log, API: api, Store: store, Executor: exec, Metrics: p.m, Now: p.now,
		Admins: c.Admins, ApprovalChannel: c.ApprovalChannel, IncidentChannel: c.IncidentChannel, RemindAfter: c.RemindAfter,
		Gate:    limits.NewGate(p.conn.Client, c.RedisKeyPrefix, c.CommandsPerMinute, p.now),
		Workers: c.Workers, DecisionWorkers: c.DecisionWorkers, DecisionQueue: c.DecisionQueue, WorkQueue: c.WorkQueue,
		HomeInterval: c.HomeInterval, HomeRate: c.HomeRate, HomeRateWindow: c.HomeRateWindow, ProgressInterval: c.ProgressInterval,
		PostInterval: c.SlackPostInterval,
	}
	if client != nil { // an interface holding a nil pointer would not be nil
		o.Catalog, o.Tables, o.Instances = client, client, client
	}
	return o
}

// validator checks a request against the cloud before it is stored
// (intake), and again just before the restore call (execution).
type validator interface {
	intake.Validator
	execution.Rechecker
}

// cloud builds the validator and the GaussDB client. Without credentials
// (allowed only in a dry run) the validator checks what it can offline, the
// client is nil and nothing ever talks to the cloud.
func cloud(ctx context.Context, cfg config.Config, log zerolog.Logger, now func() time.Time) (validator, *restore.Client, error) {
	if !cfg.CloudConfigured() {
		log.Warn().Msg("no cloud credentials: dry run with offline validation only; instance names cannot be resolved")
		return restore.OfflineValidator{Now: now}, nil, nil
	}
	c, err := restore.NewClient(restore.Options{
		AK: cfg.CloudAK, SK: cfg.CloudSK, ProjectID: cfg.CloudProjectID,
		Region: cfg.CloudRegion, Endpoint: cfg.CloudEndpoint, UserAgent: "db-restore",
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cloud client: %w", err)
	}
	if err := checkCloud(ctx, c, cfg); err != nil {
		return nil, nil, err
	}
	log.Info().Str("endpoint", c.Endpoint()).Str("region", cfg.CloudRegion).Msg("GaussDB client ready: credentials, project and read permission checked")
	return restore.NewValidator(c, now).WithMaxTables(cfg.MaxTables).WithTables(c), c, nil
}
