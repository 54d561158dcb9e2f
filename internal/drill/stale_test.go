package drill_test

import (
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// A covered instance whose newest COMPLETED backup is older than
// max_backup_age is announced once, hourly checks stay quiet until a new
// backup makes it fresh, and a later stale spell is announced again.
func TestStaleBackupsAnnouncedOncePerSpell(t *testing.T) {
	w := newWorld(t)
	w.cloud.sources = append(w.cloud.sources, restore.Instance{ID: "fresh-one", Name: "billing-prod"})
	src := w.cloud.sources[0]
	now := w.clock.Now()
	w.cloud.backups = map[string][]restore.Backup{
		src.ID: {
			{ID: "b-building", Status: "BUILDING", Begin: now.Add(-time.Hour)},
			{ID: "b-old", Status: "COMPLETED", Begin: now.Add(-30 * time.Hour), End: now.Add(-29 * time.Hour)},
		},
		"fresh-one": {{ID: "b-new", Status: "COMPLETED", Begin: now.Add(-2 * time.Hour), End: now.Add(-time.Hour)}},
	}
	w.pol = func() *policy.Policy {
		return &policy.Policy{Default: policy.Rule{Name: "default", MaxBackupAge: 26 * time.Hour, IncidentChannel: "C0INC"}}
	}
	a, _ := w.newRep("a", time.Minute)
	b, _ := w.newRep("b", time.Minute)
	tick(a, b)
	got := w.ev.of(drill.EventStaleBackup)
	if len(got) != 1 || got[0].Instance.ID != src.ID || got[0].Backup == nil || got[0].Backup.ID != "b-old" || got[0].Age != 29*time.Hour || got[0].Channel != "C0INC" {
		t.Fatalf("stale events %+v, want one for %s: b-old 29h old", got, src.ID)
	}
	for range 3 { // hourly checks while still stale: quiet
		w.clock.Set(w.clock.Now().Add(time.Hour))
		tick(a, b)
	}
	if n := len(w.ev.of(drill.EventStaleBackup)); n != 1 {
		t.Fatalf("%d stale announcements, want still 1", n)
	}
	w.cloud.mu.Lock() // a new backup: fresh again
	w.cloud.backups[src.ID] = append([]restore.Backup{{ID: "b-2", Status: "COMPLETED", Begin: w.clock.Now().Add(-time.Hour), End: w.clock.Now()}}, w.cloud.backups[src.ID]...)
	w.cloud.mu.Unlock()
	w.clock.Set(w.clock.Now().Add(time.Hour))
	tick(a)
	w.clock.Set(w.clock.Now().Add(30 * time.Hour)) // stale again
	tick(b)
	var mine []drill.Event
	for _, e := range w.ev.of(drill.EventStaleBackup) {
		if e.Instance.ID == src.ID {
			mine = append(mine, e)
		}
	}
	if len(mine) != 2 || mine[1].Backup.ID != "b-2" {
		t.Errorf("after a fresh spell and a new stale one: %d announcements for %s, want 2 (the second for b-2)", len(mine), src.ID)
	}
}
