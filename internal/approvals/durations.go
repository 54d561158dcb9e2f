package approvals

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// keptDurations is how many of an instance's followed restore durations are
// kept per restore type: enough for a median, few enough to follow change.
const keptDurations = 20

func (s *Store) durationsKey(t RestoreType, instanceID string) string {
	return s.prefix + "durations:" + string(t) + ":" + instanceID
}

// RecordDuration keeps how long a followed restore job of this type on this
// instance ran, newest first, in one MULTI step.
func (s *Store) RecordDuration(ctx context.Context, t RestoreType, instanceID string, d time.Duration) error {
	key := s.durationsKey(t, instanceID)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, key, strconv.FormatInt(d.Milliseconds(), 10))
		p.LTrim(ctx, key, 0, keptDurations-1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record duration of %s: %w", instanceID, err)
	}
	return nil
}

// Durations returns the kept durations of this type on this instance,
// newest first.
func (s *Store) Durations(ctx context.Context, t RestoreType, instanceID string) ([]time.Duration, error) {
	vals, err := s.rdb.LRange(ctx, s.durationsKey(t, instanceID), 0, keptDurations-1).Result()
	if err != nil {
		return nil, fmt.Errorf("durations of %s: %w", instanceID, err)
	}
	out := make([]time.Duration, 0, len(vals))
	for _, v := range vals {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 {
			out = append(out, time.Duration(ms)*time.Millisecond)
		}
	}
	return out, nil
}

// Median is the middle of ds (the mean of the two middle ones for an even
// count); zero for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}
