package botrun

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
)

func TestDrillSamples(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	passed := drill.Run{Stage: drill.StagePassed, Ended: at, Targets: []drill.TargetRun{{CalledAt: at.Add(-time.Hour), ActiveAt: at.Add(-50 * time.Minute)}}}
	failed := drill.Run{Stage: drill.StageFailed, Ended: at.Add(24 * time.Hour)}
	sts := []drill.Status{
		{Drill: policy.Drill{Name: "a"}, Stats: drill.Summarize([]drill.Run{failed, passed})},
		{Drill: policy.Drill{Name: "never"}},
	}
	want := []metrics.DrillSample{
		{Drill: "a", LastSuccess: at, LastRecovery: 10 * time.Minute, Ran: true, LastPassed: false},
		{Drill: "never"},
	}
	if diff := cmp.Diff(drillSamples(sts), want); diff != "" {
		t.Errorf("drillSamples (-got +want):\n%s", diff)
	}
}
