package approvals

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// List returns active requests (pending, executing or submitted), newest
// first, skipping offset and returning at most limit, with the number of
// active requests in total. It reads an index, never scans the keyspace.
func (s *Store) List(ctx context.Context, offset, limit int) ([]Request, int, error) {
	offset = max(offset, 0)
	if limit <= 0 {
		return nil, 0, fmt.Errorf("list requests: limit %d is not positive", limit)
	}
	var ids *redis.StringSliceCmd
	var total *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		ids = p.ZRevRange(ctx, s.prefix+"active", int64(offset), int64(offset+limit-1))
		total = p.ZCard(ctx, s.prefix+"active")
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list requests: %w", err)
	}
	reqs, err := s.getMany(ctx, ids.Val())
	if err != nil {
		return nil, 0, fmt.Errorf("list requests: %w", err)
	}
	return reqs, int(total.Val()), nil
}

// Submitted returns every request whose restore job was submitted and has
// not finished, oldest submission first, so that a restarted bot can go
// on following the jobs.
func (s *Store) Submitted(ctx context.Context) ([]Request, error) {
	ids, err := s.rdb.ZRange(ctx, s.prefix+"submitted", 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list submitted requests: %w", err)
	}
	reqs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list submitted requests: %w", err)
	}
	return reqs, nil
}

// getMany reads requests in one pipeline, skipping ids whose hash is gone.
func (s *Store) getMany(ctx context.Context, ids []string) ([]Request, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.prefix+"req:"+id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	reqs := make([]Request, 0, len(ids))
	for i, cmd := range cmds {
		if len(cmd.Val()) == 0 {
			continue
		}
		r, err := decode(ids[i], cmd.Val())
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

// History returns the request's audit trail, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]Event, error) {
	id, ok := NormalizeID(id)
	if !ok {
		return nil, &Refusal{Reason: ReasonNotFound}
	}
	var exists *redis.IntCmd
	var msgs *redis.XMessageSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		exists = p.Exists(ctx, s.prefix+"req:"+id)
		msgs = p.XRange(ctx, s.prefix+"audit:"+id, "-", "+")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of request %s: %w", id, err)
	}
	if exists.Val() == 0 && len(msgs.Val()) == 0 {
		return nil, &Refusal{Reason: ReasonNotFound}
	}
	events := make([]Event, 0, len(msgs.Val()))
	for _, m := range msgs.Val() {
		e, err := decodeEvent(m.Values)
		if err != nil {
			return nil, fmt.Errorf("history of request %s: entry %s: %w", id, m.ID, err)
		}
		events = append(events, e)
	}
	return events, nil
}

func decodeEvent(v map[string]any) (Event, error) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	at, err := msTime(str("at_ms"))
	if err != nil || at.IsZero() {
		return Event{}, fmt.Errorf("bad at_ms %q", str("at_ms"))
	}
	return Event{At: at, Actor: str("actor"), Action: str("action"), State: State(str("state")),
		ParamHash: str("param_hash"), Detail: str("detail")}, nil
}
