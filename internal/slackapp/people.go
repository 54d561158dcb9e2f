package slackapp

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/intake"
)

// directory is the part of Slack's Web API that says who people are.
type directory interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetUserGroupMembersContext(ctx context.Context, group string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// People answers "is this user allowed" (directly or through a user
// group, from intake's briefly cached group lists) and "which time zone is
// this user in", from Slack.
type People struct {
	*intake.Groups
	dir directory
}

var (
	_ intake.GroupLister = slackGroups{}
	_ intake.Zones       = (*People)(nil)
)

// slackGroups lists a user group's members with usergroups.users.list.
type slackGroups struct{ dir directory }

func (s slackGroups) GroupMembers(ctx context.Context, group string) ([]string, error) {
	return s.dir.GetUserGroupMembersContext(ctx, group)
}

// NewPeople is the directory of people on Slack's Web API: intake asks it
// who is in which user group, and slackapp asks it too.
func NewPeople(dir directory, now func() time.Time) *People {
	return &People{Groups: intake.NewGroups(slackGroups{dir}, now), dir: dir}
}

// member reports whether user is listed in allowed, directly or as a member
// of a listed user group (S…).
func (p *People) member(ctx context.Context, user string, allowed []string) (bool, error) {
	return p.Member(ctx, user, allowed, time.Time{})
}

func (p *People) groupMembers(ctx context.Context, group string) (map[string]bool, error) {
	return p.MembersAsOf(ctx, group, time.Time{})
}

// Location is the user's Slack time zone (users.info tz). A user without a
// usable zone gets UTC, and the caller shows times in UTC anyway.
func (p *People) Location(ctx context.Context, user string) (*time.Location, error) {
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
