package intake

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// assumedRestoreMBps turns a backup's size into a duration when nothing
// better is known: a guess, labelled as one.
const assumedRestoreMBps = 50

// estimate guesses how long the restore job will run: the median of this
// instance's earlier restore jobs of the same type that the bot followed
// and of the restore drills of its source (their recovery to ACTIVE), else
// the backup's take_up_time, else its size. Nil when nothing is known. Its
// basis is stored with the request, in plain words.
func (s *Service) estimate(ctx context.Context, plan restore.Plan) *approvals.Estimate {
	typ := approvals.RestoreType(plan.Type)
	ds, err := s.o.Store.Durations(ctx, typ, plan.Target.ID)
	if err != nil {
		s.o.Log.Warn().Err(err).Msg("could not read earlier restore durations")
	}
	drills := s.drillTimes(ctx, typ, plan.Source.ID)
	if len(ds)+len(drills) > 0 {
		return &approvals.Estimate{Duration: approvals.Median(append(slices.Clone(ds), drills...)), Basis: followedWords(typ, len(ds), len(drills))}
	}
	b, ok := s.estimateBackup(ctx, plan)
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
	basis := fmt.Sprintf("backup %s: %s, taken in %s", b.ID, sizeWords(b.SizeMB), msgtext.About(d))
	if b.TakeUpMinutes == 0 && (b.End.IsZero() || !b.End.After(b.Begin)) {
		basis = fmt.Sprintf("backup %s: %s at an assumed %d MB/s", b.ID, sizeWords(b.SizeMB), assumedRestoreMBps)
	}
	if typ == approvals.TypeTables {
		basis += "; only some tables are restored, so likely less"
	}
	return &approvals.Estimate{Duration: max(d, time.Minute), Basis: basis}
}

// drillTimes are the source's drill recovery times; none for a table
// restore, which restores far less than a whole instance.
func (s *Service) drillTimes(ctx context.Context, typ approvals.RestoreType, sourceID string) []time.Duration {
	if s.o.DrillTimes == nil || typ == approvals.TypeTables || sourceID == "" {
		return nil
	}
	ds, err := s.o.DrillTimes.Durations(ctx, sourceID)
	if err != nil {
		s.o.Log.Warn().Err(err).Msg("could not read drill recovery times")
	}
	return ds
}

func followedWords(typ approvals.RestoreType, followed, drills int) string {
	drillWords := fmt.Sprintf("%d %s of the source", drills, msgtext.Plural(drills, "restore drill", "restore drills"))
	switch {
	case drills == 0:
		return fmt.Sprintf("the median of the %d latest %s of this instance the bot followed", followed, kindWords(typ, followed))
	case followed == 0:
		return "the median of the latest " + drillWords + " (recovery to ACTIVE)"
	}
	return fmt.Sprintf("the median of the %d latest %s of this instance the bot followed and %s", followed, kindWords(typ, followed), drillWords)
}

// estimateBackup is the backup the restore starts from: the chosen one, or
// the source's newest completed backup.
func (s *Service) estimateBackup(ctx context.Context, plan restore.Plan) (restore.Backup, bool) {
	if plan.Backup != nil && (plan.Backup.SizeMB > 0 || plan.Backup.TakeUpMinutes > 0 || !plan.Backup.End.IsZero()) {
		return *plan.Backup, true
	}
	list, _ := s.backups(ctx, plan.Source.ID, "could not read the source's backups for an estimate")
	for _, b := range list {
		if completed(b) {
			return b, true
		}
	}
	return restore.Backup{}, false
}

// lastBackupMinutes is roughly how long the instance's newest completed
// backup took; zero when unknown.
func (s *Service) lastBackupMinutes(ctx context.Context, instanceID string) int {
	list, _ := s.backups(ctx, instanceID, "could not read the target's backups")
	for _, b := range list {
		if !completed(b) {
			continue
		}
		if b.TakeUpMinutes > 0 {
			return b.TakeUpMinutes
		}
		if !b.End.IsZero() && b.End.After(b.Begin) {
			return max(1, int(b.End.Sub(b.Begin).Round(time.Minute).Minutes()))
		}
	}
	return 0
}

// backups reads an instance's ten newest backups; none offline or when the
// cloud cannot say (logged with why).
func (s *Service) backups(ctx context.Context, instanceID, why string) ([]restore.Backup, bool) {
	if s.o.Backups == nil {
		return nil, false
	}
	list, err := s.o.Backups.Backups(ctx, instanceID, 10)
	if err != nil {
		s.o.Log.Warn().Err(err).Str("instance_id", instanceID).Msg(why)
		return nil, false
	}
	return list, true
}

func completed(b restore.Backup) bool { return b.Status == "COMPLETED" || b.Status == "AVAILABLE" }

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
