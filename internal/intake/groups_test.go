package intake

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingLister struct {
	members map[string][]string
	calls   int
	err     error
}

func (l *countingLister) GroupMembers(_ context.Context, group string) ([]string, error) {
	l.calls++
	return l.members[group], l.err
}

// Group lists are read once per GroupTTL, again at once for a check that
// asks for a list read after asOf, and a failed read is an error, never a
// "no".
func TestGroupsCacheAndAsOf(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l := &countingLister{members: map[string][]string{"SDBA": {"UA", "UB"}}}
	g := NewGroups(l, func() time.Time { return now })
	ctx := context.Background()
	steps := []struct {
		name    string
		advance time.Duration
		user    string
		asOf    time.Time
		leave   bool // UA leaves the group before this step
		want    bool
		calls   int
	}{
		{name: "listed directly: no read", user: "UD", want: true, calls: 0},
		{name: "first read", user: "UA", want: true, calls: 1},
		{name: "cached", advance: 10 * time.Second, user: "UB", want: true, calls: 1},
		{name: "a removal is not seen from the cache", leave: true, user: "UA", want: true, calls: 1},
		{name: "asOf reads afresh", user: "UA", asOf: now.Add(10 * time.Second), want: false, calls: 2},
		{name: "stale after GroupTTL", advance: GroupTTL, user: "UB", want: true, calls: 3},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.leave {
			l.members["SDBA"] = []string{"UB"}
		}
		got, err := g.Member(ctx, s.user, []string{"UD", "SDBA"}, s.asOf)
		if err != nil || got != s.want || l.calls != s.calls {
			t.Errorf("%s: Member(%s) = %v, %v after %d reads; want %v after %d", s.name, s.user, got, err, l.calls, s.want, s.calls)
		}
	}
	l.err = errors.New("ratelimited")
	if _, err := g.Member(ctx, "UA", []string{"SDBA"}, now.Add(time.Hour)); err == nil {
		t.Error("a failed group read should be an error")
	}
}
