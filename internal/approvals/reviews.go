package approvals

import (
	"context"
	"fmt"
)

// Reviews returns the break-glass requests nobody has marked reviewed yet,
// oldest first.
func (s *Store) Reviews(ctx context.Context) ([]Request, error) {
	ids, err := s.rdb.ZRange(ctx, s.prefix+"breakglass", 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list break-glass requests: %w", err)
	}
	reqs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list break-glass requests: %w", err)
	}
	return reqs, nil
}

// Review marks a break-glass request reviewed by actor. A request that is
// not on the review list is refused with ReasonNotPending.
func (s *Store) Review(ctx context.Context, id, actor string) (Request, error) {
	req, _, err := s.transition(ctx, "review", s.sc.review, id, actor)
	return req, err
}
