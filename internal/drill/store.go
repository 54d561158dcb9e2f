package drill

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed lua/*.lua
var luaFS embed.FS

// Store keeps drill runs in Redis, under the bot's prefix:
//
//	drill:<name>:slot     the start (Unix ms) of the last period claimed
//	drill:<name>:lease    the run lease: SET NX PX, renewed and freed by its owner
//	drill:<name>:current  the run in progress, JSON, for resumption
//	drill:<name>:runs     the last KeptRuns ended runs, JSON, newest first
//	drill:dur:<instance>  the last recovery times (ms) of drills of the instance
//
// Claiming a period, saving progress and ending a run are each one Lua
// script, so two replicas never run one period and a replica that lost its
// lease cannot write over its successor.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	owner  string
	ttl    time.Duration
	claim  *redis.Script
	save   *redis.Script
	finish *redis.Script
	renew  *redis.Script
	free   *redis.Script
	every  *redis.Script
}

// Kept history.
const (
	KeptRuns      = 50
	keptDurations = 20
)

// DefaultLeaseTTL is how long a run lease lives without renewal; the
// runner renews it far more often.
const DefaultLeaseTTL = 30 * time.Second

// NewStore returns a store under prefix in rdb. owner is this replica's
// lease token (random when empty); ttl the lease's life (DefaultLeaseTTL
// when 0).
func NewStore(rdb redis.UniversalClient, prefix, owner string, ttl time.Duration) *Store {
	if owner == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b) // never fails on supported platforms
		owner = hex.EncodeToString(b)
	}
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	return &Store{rdb: rdb, prefix: prefix, owner: owner, ttl: ttl,
		claim: script("claim"), save: script("save"), finish: script("finish"),
		renew: script("lease_renew"), free: script("lease_release"), every: script("every")}
}

func script(name string) *redis.Script {
	b, err := luaFS.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("drill: embedded script %s: %v", name, err)) // a build mistake
	}
	return redis.NewScript(string(b))
}

// Owner is this store's lease token.
func (s *Store) Owner() string { return s.owner }

// LeaseTTL is the run lease's life; renew well within it.
func (s *Store) LeaseTTL() time.Duration { return s.ttl }

func (s *Store) key(drill, part string) string { return s.prefix + "drill:" + drill + ":" + part }

func (s *Store) durKey(instanceID string) string { return s.prefix + "drill:dur:" + instanceID }

// Claim is the answer to a claim.
type Claim int

// What Claim found.
const (
	ClaimDone   Claim = iota // the period already ran (or is running elsewhere)
	ClaimBusy                // another replica holds the drill's lease
	ClaimNew                 // this replica starts run
	ClaimResume              // this replica takes over an interrupted run
)

// ErrLeaseLost is returned when this replica no longer holds a run's lease:
// another replica took the run over, so this one must stop touching it.
var ErrLeaseLost = errors.New("the drill run's lease is held by another replica")

// Claim tries to start run (its Slot is the period; zero for a run asked
// for now). An interrupted run of the drill (its owner's lease lapsed) is
// taken over first and returned instead, whatever period it was for.
func (s *Store) Claim(ctx context.Context, run Run) (Claim, *Run, error) {
	period := ""
	if !run.Slot.IsZero() {
		period = strconv.FormatInt(run.Slot.UnixMilli(), 10)
	}
	run.Owner = s.owner
	doc, err := json.Marshal(run)
	if err != nil {
		return ClaimDone, nil, fmt.Errorf("claim drill %s: %w", run.Drill, err)
	}
	keys := []string{s.key(run.Drill, "slot"), s.key(run.Drill, "lease"), s.key(run.Drill, "current")}
	res, err := s.claim.Run(ctx, s.rdb, keys, period, s.owner, s.ttl.Milliseconds(), string(doc)).StringSlice()
	if err != nil {
		return ClaimDone, nil, fmt.Errorf("claim drill %s: %w", run.Drill, err)
	}
	switch res[0] {
	case "new":
		return ClaimNew, &run, nil
	case "resume":
		var cur Run
		if err := json.Unmarshal([]byte(res[1]), &cur); err != nil {
			return ClaimDone, nil, fmt.Errorf("claim drill %s: unreadable run in progress: %w", run.Drill, err)
		}
		cur.Owner = s.owner
		return ClaimResume, &cur, nil
	case "busy":
		return ClaimBusy, nil, nil
	}
	return ClaimDone, nil, nil
}

// Save records a run's progress and renews its lease; ErrLeaseLost when
// another replica holds it now.
func (s *Store) Save(ctx context.Context, run *Run) error {
	doc, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("save drill run %s: %w", run.ID, err)
	}
	keys := []string{s.key(run.Drill, "lease"), s.key(run.Drill, "current")}
	n, err := s.save.Run(ctx, s.rdb, keys, s.owner, s.ttl.Milliseconds(), string(doc)).Int()
	if err != nil {
		return fmt.Errorf("save drill run %s: %w", run.ID, err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Renew extends the run lease; ErrLeaseLost when it is not this replica's.
func (s *Store) Renew(ctx context.Context, drill string) error {
	n, err := s.renew.Run(ctx, s.rdb, []string{s.key(drill, "lease")}, s.owner, s.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("renew drill lease %s: %w", drill, err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Release frees the run lease if this replica holds it, leaving the run in
// progress for another replica (or this one, later) to resume.
func (s *Store) Release(ctx context.Context, drill string) error {
	if err := s.free.Run(ctx, s.rdb, []string{s.key(drill, "lease")}, s.owner).Err(); err != nil {
		return fmt.Errorf("release drill lease %s: %w", drill, err)
	}
	return nil
}

// Finish ends run: it joins the drill's last runs, each target's recovery
// time joins its instance's, and the lease is freed, in one step.
func (s *Store) Finish(ctx context.Context, run *Run) error {
	doc, err := json.Marshal(run)
	if err != nil {
		return fmt.Errorf("finish drill run %s: %w", run.ID, err)
	}
	keys := []string{s.key(run.Drill, "lease"), s.key(run.Drill, "current"), s.key(run.Drill, "runs")}
	args := []any{s.owner, string(doc), KeptRuns, keptDurations}
	for _, t := range run.Targets {
		if d := t.Recovery(); d > 0 && t.SourceID != "" {
			keys = append(keys, s.durKey(t.SourceID))
			args = append(args, d.Milliseconds())
		}
	}
	n, err := s.finish.Run(ctx, s.rdb, keys, args...).Int()
	if err != nil {
		return fmt.Errorf("finish drill run %s: %w", run.ID, err)
	}
	if n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// Runs returns the drill's last n ended runs, newest first.
func (s *Store) Runs(ctx context.Context, drill string, n int) ([]Run, error) {
	docs, err := s.rdb.LRange(ctx, s.key(drill, "runs"), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("runs of drill %s: %w", drill, err)
	}
	out := make([]Run, 0, len(docs))
	for _, d := range docs {
		var r Run
		if json.Unmarshal([]byte(d), &r) == nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// Current returns the drill's run in progress; nil when none.
func (s *Store) Current(ctx context.Context, drill string) (*Run, error) {
	doc, err := s.rdb.Get(ctx, s.key(drill, "current")).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("run in progress of drill %s: %w", drill, err)
	}
	var r Run
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("run in progress of drill %s: %w", drill, err)
	}
	return &r, nil
}

// Durations returns the kept drill recovery times of an instance, newest
// first, for the estimate shown on restore requests.
func (s *Store) Durations(ctx context.Context, instanceID string) ([]time.Duration, error) {
	vals, err := s.rdb.LRange(ctx, s.durKey(instanceID), 0, keptDurations-1).Result()
	if err != nil {
		return nil, fmt.Errorf("drill durations of %s: %w", instanceID, err)
	}
	out := make([]time.Duration, 0, len(vals))
	for _, v := range vals {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms > 0 {
			out = append(out, time.Duration(ms)*time.Millisecond)
		}
	}
	return out, nil
}

// Every reports true to one caller per period (on the caller's clock, so
// tests can move it), across replicas.
func (s *Store) Every(ctx context.Context, key string, now time.Time, period time.Duration) (bool, error) {
	n, err := s.every.Run(ctx, s.rdb, []string{s.prefix + "drill:every:" + key}, now.UnixMilli(), period.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("drill periodic %s: %w", key, err)
	}
	return n == 1, nil
}
