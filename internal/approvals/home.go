package approvals

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The queries behind a person's App Home. Each reads one sorted-set index
// (a range, never a scan of the keyspace) and then the requests it names in
// one pipeline, so a Home view costs a few round trips however big the
// store grows.

// ByRequester returns the newest requests made by user, at most limit,
// newest first, from the per-requester index that Create writes.
func (s *Store) ByRequester(ctx context.Context, user string, limit int) ([]Request, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("requests of %s: limit %d is not positive", user, limit)
	}
	ids, err := s.rdb.ZRevRange(ctx, s.userKey(user), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("requests of %s: %w", user, err)
	}
	reqs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("requests of %s: %w", user, err)
	}
	return reqs, nil
}

// EndedSince returns requests that ended (reached a final state) at or
// after since, newest first, at most limit.
func (s *Store) EndedSince(ctx context.Context, since time.Time, limit int) ([]Request, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("ended requests: limit %d is not positive", limit)
	}
	ids, err := s.rdb.ZRevRangeByScore(ctx, s.prefix+"ended", &redis.ZRangeBy{
		Max: "+inf", Min: strconv.FormatInt(since.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("ended requests: %w", err)
	}
	reqs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("ended requests: %w", err)
	}
	return reqs, nil
}

// RecordProgress stores a running job's last reported progress and, when
// messageTS is not empty, the thread message that shows it. It refuses
// (ReasonNotPending) a request that is no longer submitted.
func (s *Store) RecordProgress(ctx context.Context, id, process, messageTS string) (Request, error) {
	req, _, err := s.transition(ctx, "record progress of", s.sc.progress, id, process, messageTS)
	return req, err
}
