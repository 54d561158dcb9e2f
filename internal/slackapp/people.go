package slackapp

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/intake"
)

// directory is the part of Slack's Web API that says who people are.
type directory interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// people answers "is this user allowed" (directly or through a user group)
// and "which time zone is this user in". Group members are cached briefly:
// usergroups.users.list is a tier-2 method (about 20 calls a minute), and a
// burst of clicks must not exhaust it. A member removed from a group loses
// the right within groupTTL.
type people struct {
	dir      directory
	now      func() time.Time
	groupTTL time.Duration

	mu     sync.Mutex
	groups map[string]groupEntry
}

type groupEntry struct {
	members map[string]bool
	fetched time.Time
}

var (
	_ intake.Membership = (*people)(nil)
	_ intake.Zones      = (*people)(nil)
)

func newPeople(dir directory, now func() time.Time) *people {
	return &people{dir: dir, now: now, groupTTL: 30 * time.Second, groups: map[string]groupEntry{}}
}

// member reports whether user is listed in allowed, directly or as a member
// of a listed user group (S…).
func (p *people) member(ctx context.Context, user string, allowed []string) (bool, error) {
	return p.Member(ctx, user, allowed, time.Time{})
}

// Member is member with every group list read at asOf or later: a check
// that must see removals at once passes the time it started, so each group
// is read from Slack once for the whole check (intake.Membership).
func (p *people) Member(ctx context.Context, user string, allowed []string, asOf time.Time) (bool, error) {
	for _, id := range allowed {
		if id == user {
			return true, nil
		}
	}
	for _, id := range allowed {
		if !strings.HasPrefix(id, "S") {
			continue
		}
		members, err := p.groupMembersAsOf(ctx, id, asOf)
		if err != nil {
			return false, err
		}
		if members[user] {
			return true, nil
		}
	}
	return false, nil
}

func (p *people) groupMembers(ctx context.Context, group string) (map[string]bool, error) {
	return p.groupMembersAsOf(ctx, group, time.Time{})
}

func (p *people) groupMembersAsOf(ctx context.Context, group string, asOf time.Time) (map[string]bool, error) {
	p.mu.Lock()
	e, ok := p.groups[group]
	p.mu.Unlock()
	if ok && p.now().Sub(e.fetched) < p.groupTTL && !e.fetched.Before(asOf) {
		return e.members, nil
	}
	list, err := p.dir.GetUserGroupMembersContext(ctx, group)
	if err != nil {
		return nil, fmt.Errorf("list members of user group %s: %w", group, err)
	}
	e = groupEntry{members: make(map[string]bool, len(list)), fetched: p.now()}
	for _, u := range list {
		e.members[u] = true
	}
	p.mu.Lock()
	p.groups[group] = e
	p.mu.Unlock()
	return e.members, nil
}

// Location is the user's Slack time zone (users.info tz). A user without a
// usable zone gets UTC, and the caller shows times in UTC anyway.
func (p *people) Location(ctx context.Context, user string) (*time.Location, error) {
	u, err := p.dir.GetUserInfoContext(ctx, user)
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", user, err)
	}
	if u.TZ == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(u.TZ)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}
