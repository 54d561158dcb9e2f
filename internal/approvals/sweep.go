package approvals

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// ReapDetail is the detail of a request closed by ReapExecuting after its
// restore call went out (the called marker was written).
const ReapDetail = "the bot stopped while submitting the restore; it was not retried"

// ReapNotCalledDetail is the detail of a request closed by ReapExecuting
// before its restore call: nothing was sent, a new request is safe.
const ReapNotCalledDetail = "not called: the bot stopped before calling GaussDB; nothing was restored and a new request is safe"

// defaultSweepLimit bounds one sweep when the caller passes no limit.
const defaultSweepLimit = 100

// ExpireDue expires up to limit pending requests whose expiry has passed
// and returns the ones this call expired. Each is expired by one atomic
// script, so when several replicas sweep at once each request is returned
// to exactly one of them (which should then tell people).
func (s *Store) ExpireDue(ctx context.Context, limit int) ([]Request, error) {
	now, err := s.redisNow(ctx)
	if err != nil {
		return nil, fmt.Errorf("expire due requests: %w", err)
	}
	ids, err := s.due(ctx, "expiry", now, limit)
	if err != nil {
		return nil, fmt.Errorf("expire due requests: %w", err)
	}
	return s.sweep(ctx, "expire", s.sc.expire, ids)
}

// DueReminders marks up to limit pending requests created at least
// olderThan ago, and not reminded before, as reminded, and returns them.
// Each request is returned once, to one caller, ever.
func (s *Store) DueReminders(ctx context.Context, olderThan time.Duration, limit int) ([]Request, error) {
	now, err := s.redisNow(ctx)
	if err != nil {
		return nil, fmt.Errorf("find requests to remind: %w", err)
	}
	ids, err := s.due(ctx, "remind", now.Add(-olderThan), limit)
	if err != nil {
		return nil, fmt.Errorf("find requests to remind: %w", err)
	}
	return s.sweep(ctx, "remind", s.sc.remind, ids, strconv.FormatInt(olderThan.Milliseconds(), 10))
}

// ReapExecuting closes every executing request that has no job ID and no
// live lease, and returns those it changed. A replica that stopped
// mid-submission leaves such a request behind. When the called marker says
// the restore call went out (PreCall), whether the cloud got it is unknown:
// outcome_unknown (ReapDetail). Without the marker it was never called:
// failed (ReapNotCalledDetail). Either way it is never submitted again.
// Run it at start-up and periodically.
func (s *Store) ReapExecuting(ctx context.Context) ([]Request, error) {
	ids, err := s.rdb.ZRange(ctx, s.prefix+"executing", 0, 999).Result()
	if err != nil {
		return nil, fmt.Errorf("list executing requests: %w", err)
	}
	return s.sweep(ctx, "reap", s.sc.reap, ids, ReapDetail, ReapNotCalledDetail)
}

// due lists up to limit ids of an index scored at or before t.
func (s *Store) due(ctx context.Context, index string, t time.Time, limit int) ([]string, error) {
	if limit <= 0 {
		limit = defaultSweepLimit
	}
	return s.rdb.ZRangeByScore(ctx, s.prefix+index, &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(t.UnixMilli(), 10), Count: int64(limit),
	}).Result()
}

// sweep runs a per-request script over ids and returns the requests it
// changed; the script answers "skip" for the others.
func (s *Store) sweep(ctx context.Context, op string, sc *redisconn.Script, ids []string, args ...any) ([]Request, error) {
	var changed []Request
	for _, id := range ids {
		res, err := s.run(ctx, sc, id, args...)
		if err != nil {
			return changed, fmt.Errorf("%s request %s: %w", op, id, err)
		}
		if res.status != "ok" {
			continue
		}
		req, err := decode(id, res.fields)
		if err != nil {
			return changed, err
		}
		changed = append(changed, req)
	}
	return changed, nil
}
