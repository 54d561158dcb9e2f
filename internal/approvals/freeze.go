package approvals

import (
	"context"
	"errors"
	"fmt"
)

// SetFreeze stops all approvals (Approve refuses with ReasonFrozen) until
// ClearFreeze, recording who froze and why in the global audit stream.
// Requests already executing are not stopped.
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

func (s *Store) runFreeze(ctx context.Context, actor, mode, reason string) error {
	return s.sc.freeze.Run(ctx, s.rdb, []string{s.prefix + "freeze", s.prefix + "audit"},
		s.offsetMS(), actor, mode, reason).Err()
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
