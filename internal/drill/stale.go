package drill

import (
	"context"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

// BackupReader reads an instance's backups, newest first.
type BackupReader interface {
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
}

// StaleEvery is how often the newest backups are checked against the
// rules' max_backup_age.
const StaleEvery = time.Hour

// checkStale runs at most once per StaleEvery across replicas: for each
// instance whose rule sets max_backup_age, the newest COMPLETED backup is
// read, and an instance whose backup is older is announced once, until a
// newer backup makes it fresh again.
func (r *Runner) checkStale(ctx context.Context) {
	if r.o.Backups == nil || !r.policyHasBackupAge() {
		return
	}
	if ok, err := r.o.Store.Every(ctx, "stale-check", r.o.Now(), StaleEvery-time.Minute); err != nil || !ok {
		return
	}
	all, err := r.o.Lister.ListInstances(ctx)
	if err != nil {
		r.o.Log.Warn().Err(err).Msg("Stale-backup check: could not list the instances.")
		return
	}
	now := r.o.Now()
	for _, in := range all {
		if isDrillInstance(in) {
			continue
		}
		rule, _ := r.o.Policy().Match(in)
		if rule.MaxBackupAge <= 0 {
			continue
		}
		r.checkOne(ctx, in, rule.MaxBackupAge, rule.IncidentChannel, now)
	}
}

func (r *Runner) checkOne(ctx context.Context, in restore.Instance, maxAge time.Duration, channel string, now time.Time) {
	bs, err := r.o.Backups.Backups(ctx, in.ID, 0)
	if err != nil {
		r.o.Log.Warn().Err(err).Str("instance_id", in.ID).Msg("Stale-backup check: could not read the backups.")
		return
	}
	var newest *restore.Backup
	for i := range bs {
		if bs[i].Status == "COMPLETED" {
			newest = &bs[i]
			break
		}
	}
	key := "stale:" + in.ID
	if newest != nil && now.Sub(backupInstant(*newest)) <= maxAge {
		_ = r.o.Store.Clear(ctx, key) // fresh again: the next stale spell is announced
		return
	}
	if ok, err := r.o.Store.Once(ctx, key, 0); err != nil || !ok {
		return
	}
	e := Event{Kind: EventStaleBackup, Instance: in, MaxAge: maxAge, Channel: channel}
	if newest != nil {
		e.Backup, e.Age = newest, now.Sub(backupInstant(*newest))
	}
	r.o.Notifier.DrillEvent(ctx, e)
}

func (r *Runner) policyHasBackupAge() bool {
	p := r.o.Policy()
	if p.Default.MaxBackupAge > 0 {
		return true
	}
	for _, rule := range p.Rules {
		if rule.MaxBackupAge > 0 {
			return true
		}
	}
	return false
}
