package intake

import (
	"context"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

type drillTimes map[string][]time.Duration

func (d drillTimes) Durations(_ context.Context, id string) ([]time.Duration, error) {
	return d[id], nil
}

func TestEstimateUsesDrillRecoveryTimes(t *testing.T) {
	s := newService(t, policy.FromEnv([]string{direct}, nil, "C1", "C2"), &groups{})
	ctx := context.Background()
	plan := restore.Plan{Source: restore.Instance{ID: "src"}, Target: restore.Instance{ID: "tgt"}, Type: restore.TypeBackup}
	if e := s.estimate(ctx, plan); e != nil {
		t.Fatalf("estimate with nothing known = %+v, want nil", e)
	}
	s.o.DrillTimes = drillTimes{"src": {20 * time.Minute, 40 * time.Minute}}
	e := s.estimate(ctx, plan)
	if e == nil || e.Duration != 30*time.Minute || e.Basis != "the median of the latest 2 restore drills of the source (recovery to ACTIVE)" {
		t.Fatalf("estimate from drills = %+v", e)
	}
	if err := s.o.Store.RecordDuration(ctx, approvals.TypeBackup, "tgt", 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	e = s.estimate(ctx, plan)
	if e == nil || e.Duration != 20*time.Minute || e.Basis != "the median of the 1 latest backup restore of this instance the bot followed and 2 restore drills of the source" {
		t.Errorf("estimate from both = %+v", e)
	}
	tables := plan
	tables.Type = restore.TypeTables
	if e := s.estimate(ctx, tables); e != nil {
		t.Errorf("a table restore's estimate used drills: %+v", e)
	}
}
