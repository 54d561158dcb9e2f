package slacktest

import (
	"fmt"
	"time"
)

// User is a workspace member the fake knows (users.info, payload names).
type User struct {
	ID       string
	Name     string // the handle, e.g. "alice"
	RealName string // default Name
	TZ       string // IANA zone, e.g. "Europe/Berlin"; default "UTC"
	Deleted  bool
	IsBot    bool
}

// AddUser adds or replaces a user. It fails when TZ is not a zone
// time.LoadLocation knows.
func (s *Server) AddUser(u User) error {
	if u.ID == "" {
		return fmt.Errorf("add user: empty id")
	}
	if u.TZ == "" {
		u.TZ = "UTC"
	}
	if _, err := time.LoadLocation(u.TZ); err != nil {
		return fmt.Errorf("add user %s: %w", u.ID, err)
	}
	if u.Name == "" {
		u.Name = u.ID
	}
	if u.RealName == "" {
		u.RealName = u.Name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
	s.notifyLocked()
	return nil
}

// SetUserGroup sets the members of a user group (S…), as
// usergroups.users.list returns them. No members means an empty group.
func (s *Server) SetUserGroup(groupID string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[groupID] = append([]string{}, members...)
	s.notifyLocked()
}

// userNameLocked is the handle Slack puts in payloads for a user.
func (s *Server) userNameLocked(id, fallback string) string {
	if u, ok := s.users[id]; ok {
		return u.Name
	}
	if fallback != "" {
		return fallback
	}
	return id
}

func (s *Server) usersInfoLocked(req *apiRequest) reply {
	u, ok := s.users[req.str("user")]
	if !ok {
		return fail("user_not_found")
	}
	loc, _ := time.LoadLocation(u.TZ) // checked in AddUser
	abbr, offset := s.now().In(loc).Zone()
	label := abbr
	if long, ok := tzLabels[abbr]; ok {
		label = long
	}
	return reply{"ok": true, "user": map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "real_name": u.RealName,
		"deleted": u.Deleted, "is_bot": u.IsBot, "is_app_user": false,
		"tz": u.TZ, "tz_label": label, "tz_offset": offset,
		"updated": s.now().Unix(),
		"profile": map[string]any{
			"real_name": u.RealName, "display_name": u.Name, "team": s.opts.TeamID,
		},
	}}
}

// tzLabels gives Slack's long tz_label for common, unambiguous zone
// abbreviations; other zones get the abbreviation Go knows.
var tzLabels = map[string]string{
	"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time", "BST": "British Summer Time",
	"CET": "Central European Time", "CEST": "Central European Summer Time",
	"EET": "Eastern European Time", "EEST": "Eastern European Summer Time",
	"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
	"CDT": "Central Daylight Time",
	"MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
	"PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
	"JST": "Japan Standard Time",
}

func (s *Server) usergroupUsersLocked(req *apiRequest) reply {
	members, ok := s.groups[req.str("usergroup")]
	if !ok {
		return fail("no_such_subteam")
	}
	return reply{"ok": true, "users": append([]string{}, members...)}
}
