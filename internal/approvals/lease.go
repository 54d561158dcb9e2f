package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Leases give one replica a job at a time: following a restore job, or
// sweeping expired requests. A lease is `SET key token NX PX ttl`, renewed
// and released only by its owner (this store's Owner token); when the owner
// dies the lease lapses and another replica takes it.

func (s *Store) leaseKey(name string) string { return s.prefix + "lease:" + name }

// TakeLease takes the named lease for ttl, or renews it when this store
// already holds it. It reports whether this store holds the lease now.
func (s *Store) TakeLease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	key := s.leaseKey(name)
	err := s.rdb.SetArgs(ctx, key, s.owner, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, redis.Nil):
		return false, fmt.Errorf("take lease %s: %w", name, err)
	}
	n, err := s.sc.leaseRenew.Run(ctx, s.rdb, []string{key}, s.owner, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("renew lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives the named lease up, if this store holds it.
func (s *Store) ReleaseLease(ctx context.Context, name string) error {
	if err := s.sc.leaseRelease.Run(ctx, s.rdb, []string{s.leaseKey(name)}, s.owner).Err(); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

// Note adds an audit entry to an executing or submitted request without changing its
// state. With once set, only the first Note with that name is recorded
// (across replicas) and later ones report false.
func (s *Store) Note(ctx context.Context, id, detail, once string) (bool, error) {
	_, res, err := s.transition(ctx, "note on", s.sc.note, id, detail, once)
	if err != nil {
		return false, err
	}
	return res.status == "ok", nil
}
