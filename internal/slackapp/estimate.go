package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// assumedRestoreMBps turns a backup's size into a duration when nothing
// better is known: a guess, labelled as one.
const assumedRestoreMBps = 50

// estimate guesses how long the restore job will run: the median of this
// instance's earlier restore jobs of the same type that the bot followed,
// else the backup's take_up_time, else its size. Nil when nothing is known.
func (a *App) estimate(ctx context.Context, plan restore.Plan) *approvals.Estimate {
	typ := approvals.RestoreType(plan.Type)
	ds, err := a.store.Durations(ctx, typ, plan.Target.ID)
	if err != nil {
		a.log.Warn().Err(err).Msg("could not read earlier restore durations")
	}
	if len(ds) > 0 {
		return &approvals.Estimate{Duration: approvals.Median(ds),
			Basis: fmt.Sprintf("the median of the %d latest %s of this instance the bot followed", len(ds), kindWords(typ, len(ds)))}
	}
	b, ok := a.estimateBackup(ctx, plan)
	if !ok {
		return nil
	}
	var d time.Duration
	switch {
	case b.TakeUpMinutes > 0:
		d = time.Duration(b.TakeUpMinutes) * time.Minute
	case !b.End.IsZero() && b.End.After(b.Begin):
		d = b.End.Sub(b.Begin)
	case b.SizeMB > 0:
		d = time.Duration(b.SizeMB/assumedRestoreMBps) * time.Second
	default:
		return nil
	}
	basis := fmt.Sprintf("backup %s: %s, taken in %s", b.ID, sizeWords(b.SizeMB), durationWords(d))
	if b.TakeUpMinutes == 0 && (b.End.IsZero() || !b.End.After(b.Begin)) {
		basis = fmt.Sprintf("backup %s: %s at an assumed %d MB/s", b.ID, sizeWords(b.SizeMB), assumedRestoreMBps)
	}
	if typ == approvals.TypeTables {
		basis += "; only some tables are restored, so likely less"
	}
	return &approvals.Estimate{Duration: max(d, time.Minute), Basis: basis}
}

// estimateBackup is the backup the restore starts from: the chosen one, or
// the source's newest completed backup.
func (a *App) estimateBackup(ctx context.Context, plan restore.Plan) (restore.Backup, bool) {
	if plan.Backup != nil && (plan.Backup.SizeMB > 0 || plan.Backup.TakeUpMinutes > 0 || !plan.Backup.End.IsZero()) {
		return *plan.Backup, true
	}
	if a.backups == nil {
		return restore.Backup{}, false
	}
	list, err := a.backups.Backups(ctx, plan.Source.ID, 10)
	if err != nil {
		a.log.Warn().Err(err).Str("instance_id", plan.Source.ID).Msg("could not read the source's backups for an estimate")
		return restore.Backup{}, false
	}
	for _, b := range list {
		if b.Status == "COMPLETED" || b.Status == "AVAILABLE" {
			return b, true
		}
	}
	return restore.Backup{}, false
}

func kindWords(t approvals.RestoreType, n int) string {
	switch t {
	case approvals.TypeTables:
		return msgtext.Plural(n, "table restore", "table restores")
	case approvals.TypeBackup:
		return msgtext.Plural(n, "backup restore", "backup restores")
	}
	return msgtext.Plural(n, "point-in-time restore", "point-in-time restores")
}

func sizeWords(mb float64) string {
	if mb >= 1024 {
		return fmt.Sprintf("%.1f GB", mb/1024)
	}
	return fmt.Sprintf("%.0f MB", mb)
}

// durationWords is a duration rounded for people.
func durationWords(d time.Duration) string { return msgtext.About(d) }

// estimateLine is the approval message's estimate, labelled as one.
func estimateLine(e *approvals.Estimate) string {
	if e == nil {
		return ":stopwatch: *Estimated duration:* unknown (no earlier restore of this instance was followed and no backup says how long it took)"
	}
	return fmt.Sprintf(":stopwatch: *Estimated duration:* about %s. This is an estimate, from %s.", msgtext.About(e.Duration), msgtext.Esc(e.Basis))
}
