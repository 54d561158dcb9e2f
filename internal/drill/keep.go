package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Kept is a drill instance still to delete: kept after its checks (keep:),
// whose deletion failed, or whose create call's outcome was unknown (ID
// empty: looked for by name and tag until it appears or lookFor passes).
type Kept struct {
	RunID     string    `json:"run_id"`
	RequestID string    `json:"request_id"`
	Drill     string    `json:"drill"`
	Name      string    `json:"name"`
	ID        string    `json:"id,omitempty"`
	Since     time.Time `json:"since"`
}

// lookFor is how long an instance of unknown outcome is looked for.
const lookFor = 24 * time.Hour

func (s *Store) keptKey() string { return s.prefix + "drill:kept" }

// Keep adds k to the instances to delete at (or after) at.
func (s *Store) Keep(ctx context.Context, k Kept, at time.Time) error {
	if k.Since.IsZero() {
		k.Since = at
	}
	doc, err := json.Marshal(k)
	if err != nil {
		return err
	}
	if err := s.rdb.ZAdd(ctx, s.keptKey(), redis.Z{Score: float64(at.UnixMilli()), Member: string(doc)}).Err(); err != nil {
		return fmt.Errorf("keep drill instance %s: %w", k.Name, err)
	}
	return nil
}

// DueKept returns the kept instances due at now, each with its member so
// it can be dropped.
func (s *Store) DueKept(ctx context.Context, now time.Time) (map[string]Kept, error) {
	ms, err := s.rdb.ZRangeByScore(ctx, s.keptKey(), &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: 100}).Result()
	if err != nil {
		return nil, fmt.Errorf("kept drill instances: %w", err)
	}
	out := make(map[string]Kept, len(ms))
	for _, m := range ms {
		var k Kept
		if json.Unmarshal([]byte(m), &k) == nil {
			out[m] = k
		}
	}
	return out, nil
}

// AllKept returns every instance still to delete, for the drills listing.
func (s *Store) AllKept(ctx context.Context) ([]Kept, error) {
	ms, err := s.rdb.ZRange(ctx, s.keptKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("kept drill instances: %w", err)
	}
	var out []Kept
	for _, m := range ms {
		var k Kept
		if json.Unmarshal([]byte(m), &k) == nil {
			out = append(out, k)
		}
	}
	return out, nil
}

// Unkeep removes an entry DueKept returned, reporting whether this caller
// removed it (so two replicas never both act on it).
func (s *Store) Unkeep(ctx context.Context, member string) (bool, error) {
	n, err := s.rdb.ZRem(ctx, s.keptKey(), member).Result()
	return n == 1, err
}

// Once reports true the first time it is called with key within ttl, across
// replicas (SET NX PX).
func (s *Store) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, s.prefix+"drill:once:"+key, "1", ttl).Result()
}

// Clear forgets a Once key, so the next call reports true again.
func (s *Store) Clear(ctx context.Context, key string) error {
	return s.rdb.Del(ctx, s.prefix+"drill:once:"+key).Err()
}

// FirstSeen returns when this drill was first seen (set to now the first
// time), so a drill that never passed is overdue twice its period after it
// was deployed.
func (s *Store) FirstSeen(ctx context.Context, drill string, now time.Time) (time.Time, error) {
	key := s.key(drill, "first")
	if err := s.rdb.SetNX(ctx, key, now.UnixMilli(), 0).Err(); err != nil {
		return time.Time{}, err
	}
	ms, err := s.rdb.Get(ctx, key).Int64()
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms).UTC(), nil
}

// dispose deletes the target's instance, or keeps it for keep: after the
// checks; a failed deletion is kept to be retried, and said so.
func (r *Runner) dispose(ctx context.Context, d policy.Drill, run *Run, t *TargetRun, log zerolog.Logger) {
	ctx = context.WithoutCancel(ctx) // a shutdown must not leave an instance behind half-deleted
	k := Kept{RunID: run.ID, RequestID: t.RequestID, Drill: d.Name, Name: t.NewName, ID: t.NewID}
	if d.Keep > 0 && !t.ChecksDoneAt.IsZero() {
		until := t.ChecksDoneAt.Add(d.Keep)
		if err := r.o.Store.Keep(ctx, k, until); err == nil {
			t.Deleted, t.DeleteNote = true, "kept until "+until.UTC().Format(time.RFC3339)+", then deleted"
			return
		}
	}
	if err := r.o.Keeper.Delete(ctx, t.NewID, t.RequestID); err != nil {
		log.Error().Err(err).Str("instance_id", t.NewID).Msg("Drill instance not deleted.")
		t.DeleteNote = "NOT deleted: " + err.Error() + "; the bot retries"
		_ = r.o.Store.Keep(ctx, k, r.o.Now())
		return
	}
	t.Deleted, t.DeleteNote = true, "deleted"
}

// sweepKept deletes kept instances whose time is up and looks again for
// instances of unknown outcome.
func (r *Runner) sweepKept(ctx context.Context) {
	now := r.o.Now()
	due, err := r.o.Store.DueKept(ctx, now)
	if err != nil {
		return
	}
	for member, k := range due {
		if ok, err := r.o.Store.Unkeep(ctx, member); err != nil || !ok {
			continue // another replica has it
		}
		log := r.o.Log.With().Str("drill", k.Drill).Str("drill_run", k.RunID).Str("instance", k.Name).Logger()
		if k.ID == "" {
			if k.ID, _ = r.o.Creator.Find(ctx, k.Name, k.RequestID); k.ID == "" {
				if now.Sub(k.Since) < lookFor {
					_ = r.o.Store.Keep(ctx, k, now.Add(r.o.Tick*4))
				}
				continue
			}
		}
		if err := r.o.Keeper.Delete(ctx, k.ID, k.RequestID); err != nil {
			log.Error().Err(err).Msg("Drill instance not deleted; retrying later.")
			_ = r.o.Store.Keep(ctx, k, now.Add(r.o.Tick*4))
			continue
		}
		log.Info().Str("instance_id", k.ID).Msg("Drill instance deleted.")
	}
}

func (r *Runner) remember(run *Run, t *TargetRun, pw restore.Password) {
	r.mu.Lock()
	r.pw[run.ID+"/"+t.SourceID] = pw
	r.mu.Unlock()
}

func (r *Runner) password(run *Run, t *TargetRun) (restore.Password, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pw, ok := r.pw[run.ID+"/"+t.SourceID]
	return pw, ok
}

func (r *Runner) forget(run *Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range run.Targets {
		delete(r.pw, run.ID+"/"+t.SourceID)
	}
}
