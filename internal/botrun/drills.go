package botrun

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp"
)

// drillDeps is what the drill runner is built from.
type drillDeps struct {
	cfg    config.Config
	pol    *policy.Policy
	conn   *redisconn.Conn
	store  *approvals.Store
	client *restore.Client
	api    *slack.Client
	m      *metrics.Metrics
	log    zerolog.Logger
	now    func() time.Time
	tick   time.Duration // how often due drills are looked for
	poll   time.Duration // how often a drill's new instance is read
}

// newDrills returns the drill runner, or nil when there is nothing to do:
// no drills and no max_backup_age in the policy, or no cloud client. A dry
// run checks backup ages but runs no drill (drills create instances).
func newDrills(d drillDeps) (*drill.Runner, *drill.Store, error) {
	if d.client == nil || len(d.pol.Drills) == 0 && !hasBackupAge(d.pol) {
		return nil, nil, nil
	}
	policyNow := func() *policy.Policy { return d.pol }
	if d.cfg.DryRun && len(d.pol.Drills) > 0 {
		d.log.Warn().Int("drills", len(d.pol.Drills)).Msg("Drills are not run in a dry run: they create instances.")
		dry := *d.pol
		dry.Drills = nil
		policyNow = func() *policy.Policy { return &dry }
	}
	check := restore.NewValidator(d.client, d.now).ForNewInstances(d.client, d.pol)
	reg := lifetime.NewRegistry(d.conn.Client, d.cfg.RedisKeyPrefix, d.now, d.cfg.MaxNewInstances) // one cap for drills and requests
	life, err := lifetime.NewManager(lifetime.Options{Log: d.log, Registry: reg, Cloud: d.client, Checker: check, Freezes: d.store, Now: d.now})
	if err != nil {
		return nil, nil, err
	}
	g := &drill.GaussDB{Cloud: d.client, Check: check, Life: life, Records: reg}
	st := drill.NewStore(d.conn.Client, d.cfg.RedisKeyPrefix, "", 0)
	r := drill.NewRunner(drill.Options{
		Policy: policyNow, Store: st,
		Lister: g, Backups: g, Creator: g, Keeper: g, Guard: drill.RuleGuard{Policy: policyNow},
		Notifier: &slackapp.DrillNotifier{API: d.api, Channel: d.cfg.ApprovalChannel, IncidentChannel: d.cfg.IncidentChannel, Log: d.log},
		Log:      d.log.With().Str("component", "drills").Logger(), Now: d.now, Tick: d.tick, Poll: d.poll,
	})
	d.m.RegisterDrills(func(ctx context.Context) ([]metrics.DrillSample, error) {
		sts, err := r.Statuses(ctx)
		return drillSamples(sts), err
	})
	d.log.Info().Int("drills", len(d.pol.Drills)).Msg("Restore drills scheduled.")
	return r, st, nil
}

func hasBackupAge(p *policy.Policy) bool {
	if p.Default.MaxBackupAge > 0 {
		return true
	}
	for _, r := range p.Rules {
		if r.MaxBackupAge > 0 {
			return true
		}
	}
	return false
}

// drillSamples are the drills as /metrics reports them.
func drillSamples(sts []drill.Status) []metrics.DrillSample {
	out := make([]metrics.DrillSample, 0, len(sts))
	for _, s := range sts {
		m := metrics.DrillSample{Drill: s.Drill.Name, LastSuccess: s.Stats.LastPass, LastRecovery: s.Stats.LastRecovery}
		if l := s.Stats.Last; l != nil {
			m.Ran, m.LastPassed = true, l.Passed()
		}
		out = append(out, m)
	}
	return out
}
