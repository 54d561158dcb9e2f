// Package botrun is the whole bot behind cmd/bot, and the one place that
// wires it: it reads the configuration, opens Redis, the GaussDB client and
// Slack, builds the request store, the domain (intake), the executor
// (execution) and the Slack app (slackapp) side by side, and runs every
// long-lived loop in one errgroup: the Slack app, following jobs, the
// sweeper (expiry, reminders, interrupted submissions, reconciliation),
// restore drills and the health server. Defaults are config's; nothing here
// or below sets one. cmd/bot is a thin main around it; cmd/sandbox runs the
// same Run against its emulators.
package botrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redisconn"
)

// Run starts the bot and blocks until ctx ends or a fatal error. It reads
// its settings through getenv only.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return RunWith(ctx, args, getenv, stdout, stderr, Hooks{})
}

// Hooks are what tests and the sandbox may change beyond the environment.
type Hooks struct {
	Now func() time.Time // the clock; nil: time.Now
	// Tune changes the loaded configuration before anything is built,
	// usually its Tuning (faster sweeps, shorter leases, smaller queues).
	Tune func(*config.Config)
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
	if h.Tune != nil {
		h.Tune(&cfg)
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
	pol, err := loadPolicy(cfg, log)
	if err != nil {
		return err
	}
	conn, err := redisconn.Open(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer conn.Close()
	b, err := build(ctx, parts{cfg: cfg, log: log, now: h.Now, pol: pol, conn: conn, m: metrics.New()})
	if err != nil {
		return err
	}
	err = b.run(ctx, ln)
	log.Info().Err(err).Msg("db-restore stopped")
	return err
}

// loadPolicy is the approval policy: RESTORE_POLICY_FILE's, or one rule
// made of the RESTORE_* variables.
func loadPolicy(cfg config.Config, log zerolog.Logger) (*policy.Policy, error) {
	if cfg.PolicyFile == "" {
		return policy.FromEnv(cfg.Approvers, cfg.Requesters, cfg.ApprovalChannel, cfg.IncidentChannel), nil
	}
	pol, err := policy.Load(cfg.PolicyFile)
	if err != nil {
		return nil, fmt.Errorf("RESTORE_POLICY_FILE: %w", err)
	}
	log.Info().Str("policy_file", cfg.PolicyFile).Int("rules", len(pol.Rules)).Msg("policy loaded")
	return pol, nil
}
