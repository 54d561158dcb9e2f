// Package botrun is the whole bot behind cmd/bot: configuration, Redis,
// GaussDB, Slack and the health server, started by Run. cmd/bot is a thin
// main around it; cmd/sandbox runs the same Run against its emulators.
package botrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"
	"golang.org/x/sync/errgroup"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/limits"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp"
)

// Run starts the bot and blocks until ctx ends or a fatal error. It reads
// its settings through getenv only.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return RunWith(ctx, args, getenv, stdout, stderr, Hooks{Now: time.Now})
}

// Hooks are what tests and the sandbox may change beyond the environment:
// the clock, and how often the sweeper looks for expired requests.
type Hooks struct {
	Now           func() time.Time // default time.Now
	SweepInterval time.Duration    // default: slackapp's
	LeaseTTL      time.Duration    // the restore lease's lifetime; default approvals.DefaultLeaseTTL
	Workers       int              // goroutines doing work after acks; default: slackapp's
	WorkQueue     int              // work waiting before envelopes are acked "busy"; default: slackapp's
	// Home tab and progress pacing; zero takes slackapp's defaults, which
	// keep within Slack's limits.
	HomeInterval, HomeRateWindow time.Duration
	HomeRate                     int
	ProgressInterval             time.Duration
	ReconcileEvery               time.Duration // how often an unknown outcome is looked up; default: the job poll interval
	DrillTick                    time.Duration // how often due drills are looked for; default: the drill runner's
}

// RunWith is Run with hooks.
func RunWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, h Hooks) error {
	if h.Now == nil {
		h.Now = time.Now
	}
	if len(args) > 1 && args[1] == "healthcheck" {
		return healthcheck(ctx, getenv)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if cfg.PolicyFile != "" && (getenv("RESTORE_APPROVERS") != "" || getenv("RESTORE_REQUESTERS") != "") {
		return errors.New("RESTORE_APPROVERS and RESTORE_REQUESTERS cannot be set together with RESTORE_POLICY_FILE: the file's rules (its default rule and per-instance rules) replace them; move those IDs into the file's `default:` rule and unset the variables")
	}
	// The health port first: a busy HEALTH_ADDR is reported before anything
	// slow (Redis, the cloud, Slack) is tried.
	var ln net.Listener
	if cfg.HealthAddr != "off" {
		if ln, err = net.Listen("tcp", cfg.HealthAddr); err != nil {
			return fmt.Errorf("HEALTH_ADDR %s: %w", cfg.HealthAddr, err)
		}
		defer ln.Close()
		fmt.Fprintf(stdout, "health on http://%s\n", ln.Addr())
	}
	log := zerolog.New(stderr).Level(cfg.LogLevel).With().Timestamp().Logger()
	m := metrics.New()
	pol := policy.FromEnv(cfg.Approvers, cfg.Requesters, cfg.ApprovalChannel, cfg.IncidentChannel)
	if cfg.PolicyFile != "" {
		if pol, err = policy.Load(cfg.PolicyFile); err != nil {
			return fmt.Errorf("RESTORE_POLICY_FILE: %w", err)
		}
		log.Info().Str("policy_file", cfg.PolicyFile).Int("rules", len(pol.Rules)).Msg("policy loaded")
	}

	conn, err := redisconn.Open(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	storeOpts := []approvals.Option{approvals.WithMaxOpenPerUser(cfg.MaxOpenPerUser)}
	if h.LeaseTTL > 0 {
		storeOpts = append(storeOpts, approvals.WithLeaseTTL(h.LeaseTTL))
	}
	if !conn.Embedded {
		d := approvals.Durability{MinReplicas: cfg.RedisWaitReplicas, Timeout: cfg.RedisWaitTimeout}
		if d.MinReplicas < 0 { // unset: a deployment with failover has at least one replica
			d.MinReplicas = 0
			if conn.Mode != redisconn.ModeSingle {
				d.MinReplicas = 1
			}
		}
		storeOpts = append(storeOpts, approvals.WithDurability(d))
		log.Info().Str("redis_wait", d.String()).Msg("approvals are confirmed by the Redis replicas before any cloud call")
	}
	store := approvals.NewStore(conn.Client, cfg.RedisKeyPrefix, h.Now, storeOpts...)

	validator, client, err := cloud(ctx, cfg, log, h.Now)
	if err != nil {
		return err
	}

	api := slack.New(cfg.SlackBotToken,
		slack.OptionAppLevelToken(cfg.SlackAppToken),
		slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(slackapp.NewHTTPClient(30*time.Second)))
	auth, err := api.AuthTestContext(ctx)
	var rejected slack.SlackErrorResponse
	switch {
	case errors.As(err, &rejected):
		return fmt.Errorf("slack rejected SLACK_BOT_TOKEN (%s): install the app to the workspace and copy its Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN", rejected.Err)
	case err != nil:
		return fmt.Errorf("could not reach Slack at SLACK_API_URL %s: %w", cfg.SlackAPIURL, err)
	}
	log.Info().Str("bot_user_id", auth.UserID).Str("team", auth.Team).Bool("dry_run", cfg.DryRun).Msg("starting db-restore")

	opts := slackapp.Options{
		Log: log, API: api, Store: store, Validator: validator,
		Approvers: cfg.Approvers, Requesters: cfg.Requesters, Policy: pol,
		Admins: cfg.Admins, BreakGlass: cfg.BreakGlass,
		ApprovalChannel: cfg.ApprovalChannel, IncidentChannel: cfg.IncidentChannel,
		RequestTTL: cfg.RequestTTL, DryRun: cfg.DryRun, RestoreTimeout: cfg.RestoreCallTimeout,
		JobPollInterval: cfg.JobPollInterval, JobTimeout: cfg.JobTimeout, RemindAfter: cfg.RemindAfter,
		ReconcileAfter: cfg.ReconcileAfter, ReconcileEvery: h.ReconcileEvery, Now: h.Now, SweepInterval: h.SweepInterval, Metrics: m,
		Gate:    limits.NewGate(conn.Client, cfg.RedisKeyPrefix, cfg.CommandsPerMinute, h.Now),
		Workers: h.Workers, WorkQueue: h.WorkQueue,
		HomeInterval: h.HomeInterval, HomeRate: h.HomeRate, HomeRateWindow: h.HomeRateWindow,
		ProgressInterval: h.ProgressInterval,
	}
	drills, drillStore, err := newDrills(drillDeps{cfg: cfg, pol: pol, conn: conn, store: store, client: client, api: api, m: m, log: log, now: h.Now, tick: h.DrillTick})
	if err != nil {
		return err
	}
	if drills != nil { // never a typed nil in the interface
		opts.Drills, opts.DrillTimes = drills, drillStore
	}
	if client != nil { // nil: an offline dry run, where nothing talks to the cloud
		opts.Restorer, opts.Jobs, opts.Catalog = client, client, client
		opts.Instances, opts.Backups = client, client
	}
	app, err := slackapp.New(opts)
	if err != nil {
		return err
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return app.Run(gctx) })
	if drills != nil {
		g.Go(func() error { return drills.Run(gctx) })
	}
	if ln != nil {
		srv := newHealthServer(app, conn, m)
		g.Go(func() error {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), 5*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		})
	}
	err = g.Wait()
	log.Info().Err(err).Msg("db-restore stopped")
	return err
}

// cloud builds the validator and the GaussDB client. Without credentials
// (allowed only in a dry run) the validator checks what it can offline, the
// client is nil and nothing ever talks to the cloud.
func cloud(ctx context.Context, cfg config.Config, log zerolog.Logger, now func() time.Time) (slackapp.Validator, *restore.Client, error) {
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
	return restore.NewValidator(c, now).WithMaxTables(cfg.MaxTables), c, nil
}
