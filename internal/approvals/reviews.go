package approvals

import (
	"context"
	"errors"
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

// Review marks a break-glass request reviewed by actor, with a note for
// the audit trail. It is refused (a *Refusal) for the request's own
// requester (ReasonSelfReview), before the request has ended
// (ReasonNotEnded), for a request made without break-glass
// (ReasonNotBreakGlass) and for one already reviewed (ReasonReviewed).
// Whether actor is an admin is the caller's to check.
func (s *Store) Review(ctx context.Context, id, actor, note string) (Request, error) {
	if actor == "" {
		return Request{}, errors.New("review request: actor is empty")
	}
	req, _, err := s.transition(ctx, "review", s.sc.review, id, actor, note)
	return req, err
}
