package slackapp

import (
	"strings"
	"sync"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// homeBoard decides whose Home tab to publish and when, within Slack's
// limits: views.publish is a Tier 4 method (about 100 calls a minute for
// the workspace), and Slack asks apps to publish only on change. A change
// marks people due; one loop publishes each due person at most once per
// interval (their view then shows every change since), and no more than
// limit publishes per window in all (here, and across replicas through a
// budget in Redis, see publishHome). Someone who just opened the tab or
// clicked in it is published first, without waiting for the interval.
type homeBoard struct {
	interval time.Duration
	limit    int
	window   time.Duration

	mu      sync.Mutex
	due     map[string]bool      // user or group ID -> urgent
	last    map[string]time.Time // user -> last publish
	seen    map[string]bool      // users who opened the Home tab on this replica
	notices map[string]string    // user -> answer to their last click, shown once
	sent    []time.Time          // publishes within the window
	pause   time.Time            // Slack said 429: nothing before this
	wake    chan struct{}
}

func newHomeBoard(interval time.Duration, limit int, window time.Duration) *homeBoard {
	return &homeBoard{
		interval: interval, limit: limit, window: window,
		due: map[string]bool{}, last: map[string]time.Time{}, seen: map[string]bool{},
		notices: map[string]string{}, wake: make(chan struct{}, 1),
	}
}

// want marks a person (or a user group, expanded when published) due.
func (h *homeBoard) want(id string, urgent bool) {
	if id == "" {
		return
	}
	h.mu.Lock()
	h.due[id] = h.due[id] || urgent
	h.mu.Unlock()
	h.poke()
}

func (h *homeBoard) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// opened records that a person opened the Home tab: they are published at
// once, and told of changes that concern everyone (a freeze) from now on.
func (h *homeBoard) opened(user string) {
	h.mu.Lock()
	h.seen[user] = true
	h.mu.Unlock()
	h.want(user, true)
}

// note keeps the answer to a person's click for their next publish, which
// comes at once.
func (h *homeBoard) note(user, text string) {
	h.mu.Lock()
	h.notices[user] = text
	h.mu.Unlock()
	h.want(user, true)
}

// keep puts back a notice whose publish failed, unless a newer one came
// meanwhile, and marks the person due at their next interval: a Home tab
// that failed to publish is retried, at the pace of routine updates.
func (h *homeBoard) keep(user, text string) {
	h.mu.Lock()
	if h.notices[user] == "" {
		h.notices[user] = text
	}
	h.due[user] = h.due[user] || false
	h.mu.Unlock()
	h.poke()
}

// takeNotice returns and forgets a person's pending notice.
func (h *homeBoard) takeNotice(user string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.notices[user]
	delete(h.notices, user)
	return n
}

// changed marks everyone a request's change concerns: its requester and
// approvers, and the admins when it is a break-glass request.
func (h *homeBoard) changed(r approvals.Request, admins []string) {
	h.mu.Lock()
	h.due[r.Requester] = h.due[r.Requester] || false
	for _, id := range r.Rule.Approvers {
		h.due[id] = h.due[id] || false
	}
	if r.BreakGlass != "" {
		for _, id := range admins {
			h.due[id] = h.due[id] || false
		}
	}
	h.mu.Unlock()
	h.poke()
}

// everyone marks every person who opened the Home tab here, and extra.
func (h *homeBoard) everyone(extra []string) {
	h.mu.Lock()
	for u := range h.seen {
		h.due[u] = h.due[u] || false
	}
	for _, id := range extra {
		h.due[id] = h.due[id] || false
	}
	h.mu.Unlock()
	h.poke()
}

// groups returns the due user-group IDs and forgets them: the caller
// expands them into their members and marks those due.
func (h *homeBoard) groups() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for id := range h.due {
		if strings.HasPrefix(id, "S") {
			out = append(out, id)
			delete(h.due, id)
		}
	}
	return out
}

// ready returns the person to publish now ("" for none), counting the
// publish against the rate at once, and when to look again (zero: when
// woken). It hands out one person at a time so that each publish is
// counted when it is sent, not when a batch was planned.
func (h *homeBoard) ready(now time.Time) (user string, next time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	keep := h.sent[:0]
	for _, t := range h.sent {
		if now.Sub(t) < h.window {
			keep = append(keep, t)
		}
	}
	h.sent = keep
	later := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if now.Before(h.pause) {
		if len(h.due) > 0 {
			later(h.pause)
		}
		return "", next
	}
	// Urgent ones first, so that a click is answered before routine updates.
	for _, urgentPass := range []bool{true, false} {
		for u, urgent := range h.due {
			if urgent != urgentPass {
				continue
			}
			if at := h.last[u].Add(h.interval); !urgent && now.Before(at) {
				later(at)
				continue
			}
			if len(h.sent) >= h.limit {
				later(h.sent[0].Add(h.window))
				return "", next
			}
			delete(h.due, u)
			h.last[u] = now
			h.sent = append(h.sent, now)
			return u, time.Time{}
		}
	}
	return "", next
}

// retry puts a person back after a publish Slack refused for its rate,
// and holds every publish until Slack's Retry-After has passed.
func (h *homeBoard) retry(user string, until time.Time) {
	h.mu.Lock()
	h.due[user] = true
	if until.After(h.pause) {
		h.pause = until
	}
	h.mu.Unlock()
}
