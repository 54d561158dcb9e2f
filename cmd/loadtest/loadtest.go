package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dbrestore/db-restore/internal/pause"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Config is one load test run.
type Config struct {
	N           int           // slash commands in the burst, and approvals after it
	Requesters  int           // distinct requester users
	Replicas    int           // bot processes, and floor clients
	BotPath     string        // bot binary; empty: build ./cmd/bot
	Build       string        // how to build the bot: buildRelease (default), buildRace or buildPlain
	RedisURL    string        // Redis for the bots
	Self        string        // executable that runs the floor client when roleEnv=floor
	Timeout     time.Duration // bound on each wait
	Settle      time.Duration // pause after connect before idle RSS is read
	MaxDuration time.Duration // bound on the whole run (used by runMain)
	BoltP99     time.Duration // Bolt for JavaScript's p99 on the same burst
	KeepLogs    bool          // print the bots' log tails even on success
	Progress    io.Writer     // progress lines; nil: discarded
}

func (c Config) check() error {
	var errs []error
	if c.N < 1 || c.N > 5000 {
		errs = append(errs, fmt.Errorf("-n %d: must be 1 to 5000", c.N))
	}
	if c.Requesters < 1 || c.Requesters > 10000 {
		errs = append(errs, fmt.Errorf("-requesters %d: must be 1 to 10000", c.Requesters))
	}
	if c.Replicas < 1 || c.Replicas > 10 {
		errs = append(errs, fmt.Errorf("-replicas %d: must be 1 to 10 (Slack's limit on Socket Mode connections)", c.Replicas))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("-timeout must be positive"))
	}
	if c.MaxDuration <= 0 {
		errs = append(errs, errors.New("-max-duration must be positive"))
	}
	return errors.Join(errs...)
}

func (c Config) progressf(format string, args ...any) {
	if c.Progress != nil {
		fmt.Fprintf(c.Progress, "loadtest: "+format+"\n", args...)
	}
}

// run is the whole load test: the bots' two bursts, then the floor's.
func run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "db-restore-loadtest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	keys, err := openKeyspace(ctx, cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := keys.close(cctx); err != nil {
			cfg.progressf("warning: %v", err)
		}
	}()

	bin := cfg.BotPath
	if bin == "" {
		bin = filepath.Join(dir, "db-restore")
		if cfg.Build == "" {
			cfg.Build = buildRelease
		}
		cfg.progressf("building the bot (%s) into %s", cfg.Build, bin)
		if err := buildBot(ctx, bin, cfg.Build); err != nil {
			return nil, err
		}
	}

	rep := &Report{N: cfg.N, Replicas: cfg.Replicas, Requesters: cfg.Requesters, Prefix: keys.prefix, BoltP99: cfg.BoltP99}
	w, err := newWorld(cfg)
	if err != nil {
		return nil, err
	}
	defer w.close()

	snapshot, err := botRun(ctx, cfg, w, bin, dir, keys, rep)
	if err != nil {
		return rep, err
	}
	if err := floorRun(ctx, cfg, w, snapshot, rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// botRun starts the replicas, measures their idle memory, sends both
// bursts, waits for every job ID, stops the replicas and counts the
// restore calls. It returns the approval messages as they were clicked,
// for the floor's second burst.
func botRun(ctx context.Context, cfg Config, w *world, bin, dir string, keys *keyspace, rep *Report) ([]approvalMsg, error) {
	bots := make([]*proc, 0, cfg.Replicas)
	defer func() { // on an early return; a normal end has stopped them already
		for _, b := range bots {
			_ = b.stop(5 * time.Second)
		}
	}()
	msgs, err := botMeasure(ctx, cfg, w, bin, dir, keys, rep, &bots)
	if err != nil {
		for _, b := range bots {
			rep.Logs = append(rep.Logs, b.name+":\n"+b.logs.String())
		}
		rep.Violations = w.slack.Violations()
		return nil, err
	}
	cfg.progressf("stopping the replicas (SIGTERM)")
	for _, b := range bots {
		if err := b.stop(25 * time.Second); err != nil {
			rep.BotExits = append(rep.BotExits, fmt.Sprintf("%s: %v", b.name, err))
		}
		if cfg.KeepLogs || err != nil {
			rep.Logs = append(rep.Logs, b.name+":\n"+b.logs.String())
		}
	}
	bots = nil
	calls := w.gauss.RestoreCalls()
	rep.RestoreCalls = len(calls)
	rep.DistinctTargets = distinctTargets(calls)
	rep.Violations = w.slack.Violations()
	return msgs, nil
}

// botMeasure starts the replicas one by one (each added to bots as it
// starts, for the caller to stop), reads their idle usage, runs both
// bursts and reads their usage after.
func botMeasure(ctx context.Context, cfg Config, w *world, bin, dir string, keys *keyspace, rep *Report, bots *[]*proc) ([]approvalMsg, error) {
	for i := range cfg.Replicas {
		b, err := startBot(cfg, w, bin, dir, keys.prefix, i+1)
		if err != nil {
			return nil, err
		}
		*bots = append(*bots, b)
		if err := waitReady(ctx, cfg, w.slack, i+1, b); err != nil {
			return nil, err
		}
	}
	cfg.progressf("%d replicas connected; settling %s before reading idle RSS", cfg.Replicas, cfg.Settle)
	if err := pause.For(ctx, cfg.Settle); err != nil {
		return nil, err
	}
	idle, err := usages(*bots)
	if err != nil {
		return nil, err
	}
	for _, u := range idle {
		rep.IdleRSS = append(rep.IdleRSS, u.rss)
		rep.IdleAnon = append(rep.IdleAnon, u.anon)
		rep.IdleFile = append(rep.IdleFile, u.fileRSS)
	}
	toolCPU := selfCPU()
	msgs, err := botBursts(ctx, cfg, w, rep)
	if err != nil {
		return nil, err
	}
	rep.ToolCPU = selfCPU() - toolCPU
	after, err := usages(*bots)
	if err != nil {
		return nil, err
	}
	for i, u := range after {
		rep.PeakRSS = append(rep.PeakRSS, u.hwm)
		rep.BotCPU = append(rep.BotCPU, u.cpu-idle[i].cpu)
	}
	return msgs, nil
}

// botBursts sends the burst of slash commands, waits for every approval
// message, clicks Approve on each in a second burst and waits for every
// job ID.
func botBursts(ctx context.Context, cfg Config, w *world, rep *Report) ([]approvalMsg, error) {
	cfg.progressf("phase 1: %d slash commands", cfg.N)
	commands := w.slashPayloads(w.slack)
	start := time.Now()
	slash, err := burst(ctx, cfg, w.slack, slacktest.EnvelopeSlashCommands, commands)
	if err != nil {
		return nil, fmt.Errorf("phase 1: %w", err)
	}
	rep.BotSlash = slash
	msgs, err := w.waitApprovalMessages(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("phase 1: %w", err)
	}
	rep.PostedIn = time.Since(start)

	cfg.progressf("phase 2: %d approvals", len(msgs))
	clicks, err := w.approvePayloads(w.slack, msgs)
	if err != nil {
		return nil, fmt.Errorf("phase 2: %w", err)
	}
	start = time.Now()
	approve, err := burst(ctx, cfg, w.slack, slacktest.EnvelopeInteractive, clicks)
	if err != nil {
		return nil, fmt.Errorf("phase 2: %w", err)
	}
	rep.BotApprove, rep.Approved = approve, approve.Count
	if err := w.waitJobs(ctx, cfg, msgs); err != nil {
		return nil, fmt.Errorf("phase 2: %w", err)
	}
	rep.JobsIn = time.Since(start)
	rep.RestoreCallsAtJobs = len(w.gauss.RestoreCalls())
	return msgs, nil
}

// usages reads what each process has used so far.
func usages(ps []*proc) ([]usage, error) {
	us := make([]usage, len(ps))
	for i, p := range ps {
		u, err := p.usage()
		if err != nil {
			return nil, err
		}
		us[i] = u
	}
	return us, nil
}

// floorRun measures the bare Socket Mode clients on a fresh fake Slack with
// the same two bursts.
func floorRun(ctx context.Context, cfg Config, w *world, msgs []approvalMsg, rep *Report) error {
	fake, err := newSlack()
	if err != nil {
		return err
	}
	defer fake.Close()
	floors := make([]*proc, 0, cfg.Replicas)
	defer func() {
		for _, f := range floors {
			_ = f.stop(5 * time.Second)
		}
	}()
	for i := range cfg.Replicas {
		f, err := startFloor(cfg, fake, i+1)
		if err != nil {
			return err
		}
		floors = append(floors, f)
		if err := waitConnected(ctx, cfg, fake, i+1, f); err != nil {
			return err
		}
	}
	if err := pause.For(ctx, cfg.Settle); err != nil {
		return err
	}
	idle, err := usages(floors)
	if err != nil {
		return err
	}
	for _, u := range idle {
		rep.FloorIdleRSS = append(rep.FloorIdleRSS, u.rss)
	}
	toolCPU := selfCPU()
	if err := floorBursts(ctx, cfg, w, fake, msgs, rep); err != nil {
		return err
	}
	rep.FloorToolCPU = selfCPU() - toolCPU
	after, err := usages(floors)
	if err != nil {
		return err
	}
	for i, u := range after {
		rep.FloorPeakRSS = append(rep.FloorPeakRSS, u.hwm)
		rep.FloorCPU = append(rep.FloorCPU, u.cpu-idle[i].cpu)
	}
	for _, f := range floors {
		if err := f.stop(10 * time.Second); err != nil {
			return fmt.Errorf("%s: %w\n%s", f.name, err, f.logs.String())
		}
	}
	floors = nil
	return nil
}

// floorBursts sends the floor clients the bursts the bots had: the slash
// commands, then a click on a copy of every approval message.
func floorBursts(ctx context.Context, cfg Config, w *world, fake *slacktest.Server, msgs []approvalMsg, rep *Report) error {
	cfg.progressf("floor: %d slash commands", cfg.N)
	var err error
	if rep.FloorSlash, err = burst(ctx, cfg, fake, slacktest.EnvelopeSlashCommands, w.slashPayloads(fake)); err != nil {
		return fmt.Errorf("floor, slash commands: %w", err)
	}
	copies, err := copyMessages(ctx, fake, msgs)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	clicks, err := w.approvePayloads(fake, copies)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	cfg.progressf("floor: %d approvals", len(clicks))
	if rep.FloorApprove, err = burst(ctx, cfg, fake, slacktest.EnvelopeInteractive, clicks); err != nil {
		return fmt.Errorf("floor, approvals: %w", err)
	}
	return nil
}
