package intake

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// GroupLister lists the members of a user group (S…). The Slack adapter
// implements it with usergroups.users.list.
type GroupLister interface {
	GroupMembers(ctx context.Context, group string) ([]string, error)
}

// GroupTTL is how long a group's member list is trusted: the lister is
// rate-limited (Slack's tier 2, about 20 calls a minute), and a burst of
// clicks must not exhaust it. A member removed from a group loses the
// right within GroupTTL, and at once where a check asks (asOf).
const GroupTTL = 30 * time.Second

// Groups answers membership (Membership) from briefly cached group lists.
type Groups struct {
	list GroupLister
	now  func() time.Time

	mu    sync.Mutex
	cache map[string]groupEntry
}

type groupEntry struct {
	members map[string]bool
	fetched time.Time
}

var _ Membership = (*Groups)(nil)

// NewGroups caches l's answers for GroupTTL.
func NewGroups(l GroupLister, now func() time.Time) *Groups {
	return &Groups{list: l, now: now, cache: map[string]groupEntry{}}
}

// Member reports whether user is listed in allowed, directly or as a
// member of a listed group, with every group list read at asOf or later: a
// check that must see removals at once passes the time it started, so each
// group is read once for the whole check.
func (g *Groups) Member(ctx context.Context, user string, allowed []string, asOf time.Time) (bool, error) {
	for _, id := range allowed {
		if id == user {
			return true, nil
		}
	}
	for _, id := range allowed {
		if !strings.HasPrefix(id, "S") {
			continue
		}
		members, err := g.MembersAsOf(ctx, id, asOf)
		if err != nil {
			return false, err
		}
		if members[user] {
			return true, nil
		}
	}
	return false, nil
}

// MembersAsOf is a group's members as read at asOf or later.
func (g *Groups) MembersAsOf(ctx context.Context, group string, asOf time.Time) (map[string]bool, error) {
	g.mu.Lock()
	e, ok := g.cache[group]
	g.mu.Unlock()
	if ok && g.now().Sub(e.fetched) < GroupTTL && !e.fetched.Before(asOf) {
		return e.members, nil
	}
	list, err := g.list.GroupMembers(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("list members of user group %s: %w", group, err)
	}
	e = groupEntry{members: make(map[string]bool, len(list)), fetched: g.now()}
	for _, u := range list {
		e.members[u] = true
	}
	g.mu.Lock()
	g.cache[group] = e
	g.mu.Unlock()
	return e.members, nil
}
