package outbox

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisHolds keeps holds in Redis, one key per Web API method
// (<prefix>slack:hold:<method>, the hold's end in Unix milliseconds,
// expiring with it), so every replica over one Redis waits out a
// Retry-After any of them was given.
type RedisHolds struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ SharedHolds = (*RedisHolds)(nil)

// NewRedisHolds keeps holds under prefix.
func NewRedisHolds(rdb redis.UniversalClient, prefix string) *RedisHolds {
	return &RedisHolds{rdb: rdb, prefix: prefix}
}

func (h *RedisHolds) key(method string) string { return h.prefix + "slack:hold:" + method }

// Until returns the end of the method's hold (zero: none).
func (h *RedisHolds) Until(ctx context.Context, method string) (time.Time, error) {
	v, err := h.rdb.Get(ctx, h.key(method)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms), nil
}

// Hold records a hold of method until the given time. A later end already
// recorded is kept (Lua: compare and set in one step).
func (h *RedisHolds) Hold(ctx context.Context, method string, until time.Time) error {
	ttl := time.Until(until)
	if ttl <= 0 {
		return nil
	}
	// Rounded up to the next millisecond: a hold read back must not end
	// before the one this replica keeps.
	end := until.Add(time.Millisecond - 1).UnixMilli()
	return holdScript.Run(ctx, h.rdb, []string{h.key(method)}, end, ttl.Milliseconds()+2).Err()
}

var holdScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)
