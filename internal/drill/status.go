package drill

import (
	"context"
	"time"

	"github.com/dbrestore/db-restore/internal/policy"
)

// Status is one drill as /db-restore drills and Home show it.
type Status struct {
	Drill   policy.Drill
	Stats   Stats
	Running bool      // a run is in progress (on any replica)
	Next    time.Time // the next period's start
	// Kept are the drill's instances still to delete (kept by keep:, a
	// failed deletion, or an unclear create call still looked for).
	Kept []Kept
}

// Statuses returns every drill of the policy with its last runs summed up.
func (r *Runner) Statuses(ctx context.Context) ([]Status, error) {
	now := r.o.Now()
	kept, err := r.o.Store.AllKept(ctx)
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, d := range r.o.Policy().Drills {
		runs, err := r.o.Store.Runs(ctx, d.Name, KeptRuns)
		if err != nil {
			return nil, err
		}
		cur, err := r.o.Store.Current(ctx, d.Name)
		if err != nil {
			return nil, err
		}
		s := Status{Drill: d, Stats: Summarize(runs), Running: cur != nil}
		for _, k := range kept {
			if k.Drill == d.Name {
				s.Kept = append(s.Kept, k)
			}
		}
		if sched, err := NewSchedule(d.Schedule); err == nil {
			_, s.Next = sched.Slot(now)
		}
		out = append(out, s)
	}
	return out, nil
}
