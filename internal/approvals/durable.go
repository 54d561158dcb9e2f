package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// NotDurableDetail is the detail of a request whose approval reached the
// threshold but could not be confirmed by the Redis replicas: nothing was
// called, and a new request is safe.
const NotDurableDetail = "not called: the store could not confirm the approval durably"

// ErrNotDurable means a write was made on the Redis primary but the replicas
// the deployment has did not confirm it within the bound: a failover now
// could lose it, so nothing may act on it.
var ErrNotDurable = errors.New("the store could not confirm the write durably")

// Durability says how a store confirms a write before the bot acts on it
// (a mutating cloud call). After the write, on the same connection to the
// primary that owns the request's keys, the store sends WAIT for every
// replica that primary reports connected (ROLE), and never for fewer than
// MinReplicas, bounded by Timeout. A write confirmed by fewer replicas is
// not durable (ErrNotDurable).
//
// Why all connected replicas: Sentinel and Cluster promote a replica of
// their choosing; only a write every replica holds survives whichever is
// promoted. Why a minimum: a replica that dropped off (or lags so far that
// the primary no longer lists it) would otherwise make an unreplicated write
// look confirmed, and then be promoted. A primary with no replica and a
// minimum of 0 (a plain redis:// server) confirms at once: there is no copy
// a failover could promote, so the write is as durable as that server.
type Durability struct {
	MinReplicas int           // never wait for fewer replicas (REDIS_WAIT_REPLICAS)
	Timeout     time.Duration // how long to wait (REDIS_WAIT_TIMEOUT)
	// Patience is how long an approval that reached the threshold but was
	// not confirmed may wait for the confirmation (REDIS_CONFIRM_WITHIN):
	// with it, Approve leaves the request executing under this store's
	// lease and the caller retries with ConfirmExecuting until it is
	// confirmed or Patience has passed. 0 ends the request at once.
	Patience time.Duration
	// WaitAOF: after each confirmed write, WAITAOF 1 0 waits until the
	// primary has fsynced it to its append-only file (Redis 7.2+), so that
	// a crash of a server without replicas cannot lose it either.
	WaitAOF bool
}

// DefaultWaitTimeout bounds a WAIT when Durability.Timeout is 0.
const DefaultWaitTimeout = 2 * time.Second

// WithDurability makes the store confirm the transitions that precede a
// mutating cloud call (see Durability). Without it (tests, the embedded
// store) writes are not confirmed.
func WithDurability(d Durability) Option {
	return func(s *Store) {
		if d.Timeout <= 0 {
			d.Timeout = DefaultWaitTimeout
		}
		s.durability = &d
	}
}

// runDurable runs a per-request script on the primary that owns the
// request's keys, on one dedicated connection, and when wait(result) says
// the write will be acted on, confirms it there (see Durability). A write
// that is not confirmed returns its result with an error wrapping
// ErrNotDurable. Without Durability it is run. A reply lost to a broken
// connection is asked for again on a new one, with the same operation
// token (see runKeysOn), and the confirmation is made there.
func (s *Store) runDurable(ctx context.Context, sc *redisconn.Script, id string, wait func(result) bool, args ...any) (result, error) {
	if s.durability == nil {
		return s.run(ctx, sc, id, args...)
	}
	token := randomToken()
	var res result
	err := s.durably(ctx, s.prefix+"req:"+id, func(c redisconn.Processor) (bool, error) {
		var err error
		res, err = s.evalOp(ctx, c, sc, s.requestKeys(id), id, token, args...)
		return err == nil && wait(res), err
	})
	return res, err
}

// durably runs fn on a dedicated connection to the primary that owns key
// and, when fn says its writes will be acted on or told to people,
// confirms them there (see Durability; an unconfirmed write gives an error
// wrapping ErrNotDurable). fn whose reply was lost (redisconn.Retryable)
// runs again on a new connection: it must be idempotent (an operation
// token). Without Durability fn runs on the store's client, retried alike,
// and nothing is confirmed.
func (s *Store) durably(ctx context.Context, key string, fn func(c redisconn.Processor) (bool, error)) error {
	var err error
	for attempt := range scriptAttempts {
		if attempt > 0 && !pause(ctx, time.Duration(attempt)*100*time.Millisecond) {
			break
		}
		if s.durability == nil {
			if _, err = fn(s.rdb); !redisconn.Retryable(ctx, err) {
				return err
			}
			continue
		}
		var conn *redis.Conn
		if conn, err = s.primaryConn(ctx, key); err != nil {
			if redisconn.Retryable(ctx, err) {
				continue
			}
			return err
		}
		var act bool
		act, err = fn(conn)
		if redisconn.Retryable(ctx, err) {
			_ = conn.Close()
			continue
		}
		if err == nil && act {
			err = s.confirm(ctx, conn)
		}
		_ = conn.Close()
		return err
	}
	return err
}

// primaryConn is a dedicated connection to the primary that owns key. In a
// Cluster that is the key's slot owner: a keyless WAIT sent through the
// cluster client could go to any node.
func (s *Store) primaryConn(ctx context.Context, key string) (*redis.Conn, error) {
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		node, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("find the primary of %s: %w", key, err)
		}
		return node.Conn(), nil
	case *redis.Client: // a single server, or Sentinel's current primary
		return c.Conn(), nil
	}
	return nil, fmt.Errorf("durable writes need a single, Sentinel or Cluster client, not %T", s.rdb)
}

// confirm waits for the replicas of the primary behind conn to hold every
// write made on conn so far.
func (s *Store) confirm(ctx context.Context, conn *redis.Conn) error {
	d := s.durability
	connected, err := connectedReplicas(ctx, conn)
	switch {
	case err != nil && d.MinReplicas == 0 && strings.Contains(err.Error(), "unknown command"):
		// A server without replication (miniredis, the embedded store)
		// has no replica a failover could promote.
		connected = 0
	case err != nil:
		return fmt.Errorf("%w: %v", ErrNotDurable, err)
	}
	if d.WaitAOF {
		if err := waitAOF(ctx, conn, d.Timeout); err != nil {
			return err
		}
	}
	want := max(connected, d.MinReplicas)
	if want == 0 {
		return nil
	}
	// WAIT blocks the connection up to its timeout; let the read wait that
	// long too.
	wctx, cancel := context.WithTimeout(ctx, d.Timeout+5*time.Second)
	defer cancel()
	acked, err := conn.Wait(wctx, want, d.Timeout).Result()
	if err != nil {
		return fmt.Errorf("%w: WAIT %d: %v", ErrNotDurable, want, err)
	}
	if acked < int64(want) {
		return fmt.Errorf("%w: %d of %d replicas confirmed within %s", ErrNotDurable, acked, want, d.Timeout)
	}
	return nil
}

// waitAOF waits until the primary behind conn has fsynced every write made
// on conn so far to its own append-only file.
func waitAOF(ctx context.Context, conn *redis.Conn, timeout time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	v, err := conn.Do(wctx, "WAITAOF", 1, 0, timeout.Milliseconds()).Int64Slice()
	if err != nil {
		return fmt.Errorf("%w: WAITAOF 1 0: %v", ErrNotDurable, err)
	}
	if len(v) < 1 || v[0] < 1 {
		return fmt.Errorf("%w: the primary did not fsync the write to its append-only file within %s", ErrNotDurable, timeout)
	}
	return nil
}

// connectedReplicas asks the primary (ROLE) how many replicas it has now.
func connectedReplicas(ctx context.Context, conn *redis.Conn) (int, error) {
	v, err := conn.Do(ctx, "ROLE").Slice()
	if err != nil {
		return 0, fmt.Errorf("ROLE: %w", err)
	}
	if len(v) < 3 || v[0] != "master" {
		return 0, fmt.Errorf("ROLE: the server is not a primary (%v)", first(v))
	}
	replicas, _ := v[2].([]any)
	return len(replicas), nil
}

func first(v []any) any {
	if len(v) == 0 {
		return nil
	}
	return v[0]
}

// String says what the store waits for, for logs.
func (d Durability) String() string {
	s := "min " + strconv.Itoa(d.MinReplicas) + " replicas within " + d.Timeout.String()
	if d.WaitAOF {
		s += ", and WAITAOF 1 0 on the primary"
	}
	if d.Patience > 0 {
		s += "; an unconfirmed approval waits up to " + d.Patience.String()
	}
	return s
}
