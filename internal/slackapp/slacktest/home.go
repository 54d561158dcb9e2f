package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// App Home and message shortcuts: views.publish (type home views, Tier 4),
// app_home_opened events, message_action payloads and chat.getPermalink.

const (
	// maxViewBytes is Slack's limit on a published view (view_too_large).
	maxViewBytes = 250 << 10
)

// SetPublishLimit changes how many views.publish calls the fake accepts
// within any window (default 100 a minute, Slack's Tier 4). Calls beyond it
// are answered 429 with Retry-After (see Limited).
func (s *Server) SetPublishLimit(n int, window time.Duration) {
	s.SetRateLimit("views.publish", Limit{N: n, Window: window})
}

// DisableHome makes views.publish answer not_enabled, as Slack does when the
// app's Home tab is off.
func (s *Server) DisableHome() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.homeOff = true
}

// Home returns the Home tab view published for a user, if any.
func (s *Server) Home(userID string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.homes[userID]
	if !ok {
		return View{}, false
	}
	return s.exportViewLocked(v), true
}

// Publishes returns how many views.publish calls succeeded for a user.
func (s *Server) Publishes(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.homes[userID]; ok {
		return v.updates + 1
	}
	return 0
}

func (s *Server) viewsPublishLocked(req *apiRequest) reply {
	user := req.str("user_id")
	if user == "" {
		return fail("invalid_arguments")
	}
	if s.homeOff {
		return fail("not_enabled")
	}
	raw := req.raw("view")
	if len(raw) > maxViewBytes {
		s.violateLocked("views.publish: view of %d bytes (limit %d)", len(raw), maxViewBytes)
		return fail("view_too_large")
	}
	def, r := s.parseViewLocked("views.publish", raw)
	if r != nil {
		return r
	}
	if typ := jsonString(def["type"]); typ != SurfaceHome {
		s.violateLocked("views.publish: view type %q, want home", typ)
		return fail("invalid_arguments")
	}
	for _, k := range []string{"title", "submit", "close"} {
		if _, ok := def[k]; ok {
			s.violateLocked("views.publish: a home view has no %s", k)
			return fail("invalid_arguments")
		}
	}
	v := s.homes[user]
	if h := req.str("hash"); h != "" && v != nil && h != v.hash {
		return fail("hash_conflict")
	}
	if v == nil {
		v = &view{id: s.nextIDLocked("V"), hash: s.newHashLocked(), user: user, def: def,
			state: json.RawMessage(`{"values":{}}`), open: true}
		v.rootID = v.id
		s.homes[user] = v
		s.notifyLocked()
	} else {
		s.replaceViewLocked(v, def)
	}
	return reply{"ok": true, "view": s.viewWireLocked(v)}
}

// homeByIDLocked finds a published Home view by its ID.
func (s *Server) homeByIDLocked(id string) *view {
	for _, v := range s.homes {
		if v.id == id {
			return v
		}
	}
	return nil
}

// AppHomeOpened sends the app_home_opened event of a user opening the Home
// tab (an events_api envelope) and waits for its ack.
func (s *Server) AppHomeOpened(ctx context.Context, userID string) (Ack, error) {
	return s.Send(ctx, EnvelopeEventsAPI, s.AppHomeOpenedPayload(userID))
}

// AppHomeOpenedPayload builds the event_callback Slack sends when a user
// opens the app's Home tab; it carries the view published before, if any.
func (s *Server) AppHomeOpenedPayload(userID string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.nextTSLocked()
	ev := map[string]any{
		"type": "app_home_opened", "user": userID, "channel": s.dmChannelLocked(userID),
		"tab": "home", "event_ts": ts,
	}
	if v := s.homes[userID]; v != nil {
		ev["view"] = s.viewWireLocked(v)
	}
	b, _ := json.Marshal(map[string]any{
		"token": verificationToken, "team_id": s.opts.TeamID, "api_app_id": s.opts.AppID,
		"event": ev, "type": "event_callback", "event_id": s.nextIDLocked("Ev"),
		"event_time": s.now().Unix(), "authorizations": []any{},
	})
	return b
}

// Shortcut is a person choosing a message shortcut on a message.
type Shortcut struct {
	UserID               string
	ChannelID, MessageTS string
	CallbackID           string
}

// MessageShortcut sends the message_action interaction of a message
// shortcut and waits for its ack. Its trigger_id, like every trigger_id,
// expires after 3 s.
func (s *Server) MessageShortcut(ctx context.Context, sc Shortcut) (Ack, error) {
	p, err := s.ShortcutPayload(sc)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, EnvelopeInteractive, p)
}

// ShortcutPayload builds a message_action payload as Slack sends it.
func (s *Server) ShortcutPayload(sc Shortcut) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.resolveChannelLocked(sc.ChannelID)
	m := s.findLocked(ch, sc.MessageTS)
	if m == nil {
		return nil, fmt.Errorf("message shortcut: no message %s in %s", sc.MessageTS, ch)
	}
	p := s.basePayloadLocked("message_action", sc.UserID, "")
	p["callback_id"] = sc.CallbackID
	p["trigger_id"] = s.issueTriggerLocked(sc.UserID, "")
	p["action_ts"] = s.nextTSLocked()
	p["message_ts"] = m.TS
	p["message"] = s.wireLocked(m)
	p["channel"] = map[string]any{"id": ch, "name": channelName(ch, "")}
	p["response_url"] = s.newResponseURLLocked(&responseURL{user: sc.UserID, channel: ch})
	return json.Marshal(p)
}

// Permalink is the permalink chat.getPermalink gives for a message.
func (s *Server) Permalink(channel, ts string) string {
	return "https://fake.slack.com/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
}

func (s *Server) getPermalinkLocked(req *apiRequest) reply {
	ch, ts := req.str("channel"), req.str("message_ts")
	if ch == "" {
		return fail("channel_not_found")
	}
	if _, err := strconv.ParseFloat(ts, 64); err != nil || s.findLocked(s.resolveChannelLocked(ch), ts) == nil {
		return fail("message_not_found")
	}
	return reply{"ok": true, "channel": ch, "permalink": s.Permalink(ch, ts)}
}
