package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// What DispatchQueued did with a queued request (Dispatched.Outcome).
const (
	DispatchExecuting = "executing" // the instance is free: run it (this store holds its lease)
	DispatchExpired   = "expired"   // past its expiry while it waited: expired, not called
	DispatchStopped   = "stopped"   // a freeze stopped it: failed, not called
)

// Dispatched is one queued request DispatchQueued moved on.
type Dispatched struct {
	Request Request
	Outcome string // one of the Dispatch* codes
	// NotDurable: the move to executing was made but the Redis replicas
	// did not confirm it (see Durability): nothing may be called until
	// ConfirmExecuting confirms it.
	NotDurable bool
}

// DispatchQueued looks at up to limit queued requests, oldest first, and
// moves on those whose turn it is (see dispatch.lua): a request whose
// target instance is free, and that no request queued earlier waits
// before, takes the instance's hold and this store's restore lease and
// becomes executing, confirmed by the replicas like the approval that
// reaches the threshold; the caller then runs it as that approval's caller
// would. Each request is returned to one caller only. Requests still
// waiting are left as they are.
func (s *Store) DispatchQueued(ctx context.Context, limit int) ([]Dispatched, error) {
	if limit <= 0 {
		limit = defaultSweepLimit
	}
	ids, err := s.rdb.ZRange(ctx, s.prefix+"queued", 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("list queued requests: %w", err)
	}
	var out []Dispatched
	executing := func(r result) bool { return r.status == "ok" && r.extra == DispatchExecuting }
	for _, id := range ids {
		res, err := s.runDurable(ctx, s.sc.dispatch, id, executing,
			s.owner, strconv.FormatInt(s.leaseTTL.Milliseconds(), 10))
		notDurable := errors.Is(err, ErrNotDurable)
		if err != nil && !notDurable {
			return out, fmt.Errorf("dispatch request %s: %w", id, err)
		}
		if res.status != "ok" {
			continue
		}
		req, derr := decode(id, res.fields)
		if derr != nil {
			return out, derr
		}
		out = append(out, Dispatched{Request: req, Outcome: res.extra, NotDurable: notDurable})
	}
	return out, nil
}

// Patience is how long a request whose move to executing the replicas did
// not confirm may wait for ConfirmExecuting (Durability.Patience); 0 when
// the store does not wait (or confirms nothing).
func (s *Store) Patience() time.Duration {
	if s.durability == nil {
		return 0
	}
	return s.durability.Patience
}

// ConfirmExecuting asks again whether the replicas hold the request's move
// to executing, after Approve (or DispatchQueued) reported NotDurable: on
// the primary of the moment (after a failover, the promoted replica) it
// renews this store's lease and confirms that write, which follows the
// move in the replication stream. nil: confirmed, go ahead (PreCall checks
// the rest). An error wrapping ErrNotDurable: not yet. A *Refusal: the
// request is no longer executing under this store's lease (the move was
// lost with a failed primary, or the lease lapsed): nothing may be called.
func (s *Store) ConfirmExecuting(ctx context.Context, id string) (Request, error) {
	ok := func(r result) bool { return r.status == "ok" }
	req, _, err := s.transitionDurable(ctx, "confirm", s.sc.confirm, id, ok,
		s.owner, strconv.FormatInt(s.leaseTTL.Milliseconds(), 10))
	return req, err
}
