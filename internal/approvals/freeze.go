package approvals

import (
	"context"
	"errors"
	"fmt"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// SetFreeze stops all approvals (Approve refuses with ReasonFrozen) until
// ClearFreeze, recording who froze and why in the global audit stream.
// Requests already executing are stopped at their next PreCall. An error
// wrapping ErrNotDurable means the freeze is set on the primary but its
// replicas did not confirm it: a failover could undo it.
func (s *Store) SetFreeze(ctx context.Context, actor, reason string) error {
	if actor == "" {
		return errors.New("freeze: actor is empty")
	}
	if err := s.runFreeze(ctx, actor, "set", reason); err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	return nil
}

// ClearFreeze lets approvals through again. Clearing when not frozen does
// nothing.
func (s *Store) ClearFreeze(ctx context.Context, actor string) error {
	if actor == "" {
		return errors.New("clear freeze: actor is empty")
	}
	if err := s.runFreeze(ctx, actor, "clear", ""); err != nil {
		return fmt.Errorf("clear freeze: %w", err)
	}
	return nil
}

// runFreeze sets or clears the freeze, confirmed by the replicas before
// anyone is told (see Durability): an unconfirmed change gives an error
// wrapping ErrNotDurable, for the caller to say a failover could undo it.
// Setting twice and clearing twice change nothing more, so a lost reply is
// simply asked for again.
func (s *Store) runFreeze(ctx context.Context, actor, mode, reason string) error {
	keys := []string{s.prefix + "freeze", s.prefix + "audit"}
	return s.durably(ctx, keys[0], func(c redisconn.Processor) (bool, error) {
		return true, s.sc.freeze.Run(ctx, c, keys, s.offsetMS(), actor, mode, reason).Err()
	})
}

// Freeze reports whether approvals are frozen, and if so why and by whom.
func (s *Store) Freeze(ctx context.Context) (reason, by string, on bool, err error) {
	f, err := s.rdb.HGetAll(ctx, s.prefix+"freeze").Result()
	if err != nil {
		return "", "", false, fmt.Errorf("read freeze: %w", err)
	}
	if len(f) == 0 {
		return "", "", false, nil
	}
	return f["reason"], f["by"], true, nil
}
