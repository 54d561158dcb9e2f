// Package limits keeps one person, or one envelope delivered twice, from
// flooding the bot: a per-user command rate shared by every replica through
// Redis, a cheap copy of it in memory that refuses a flood without any I/O,
// and the once-only admission of an envelope Slack may deliver again.
package limits

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

// Window is the rate limit's period: the limit is so many commands per
// minute, counted from a user's first command in the window.
const Window = time.Minute

// OnceTTL is how long an envelope's key is kept: far longer than Slack
// keeps redelivering an envelope it saw no ack for.
const OnceTTL = time.Hour

//go:embed admit.lua
var admitLua string

// admitScript is never re-sent by go-redis itself: Admit retries a lost
// reply with the same token (see redisconn.Script).
var admitScript = redisconn.NewScript(admitLua)

// Verdict is what Admit decided about one envelope.
type Verdict struct {
	Duplicate  bool          // this envelope was admitted before: do nothing
	Limited    bool          // the user is over the limit: refuse
	RetryAfter time.Duration // when Limited, how long until the window ends
}

// Gate admits envelopes: each once, and each user's commands up to
// PerMinute a minute across every replica sharing the Redis.
type Gate struct {
	rdb       redis.UniversalClient
	prefix    string
	perMinute int // 0: commands are not limited
	now       func() time.Time

	mu    sync.Mutex
	local map[string]window // this replica's own count per user
}

type window struct {
	start time.Time
	n     int
}

// NewGate returns a gate keeping its keys under prefix (which carries the
// deployment's {hash tag}, so a script's keys share a Cluster slot).
// perMinute 0 turns the rate limit off; envelopes are still admitted once.
func NewGate(rdb redis.UniversalClient, prefix string, perMinute int, now func() time.Time) *Gate {
	if now == nil {
		now = time.Now
	}
	return &Gate{rdb: rdb, prefix: prefix, perMinute: perMinute, now: now, local: map[string]window{}}
}

// PerMinute is the limit of commands per user a minute (0: none).
func (g *Gate) PerMinute() int { return g.perMinute }

// Early counts a command of user in this replica's memory and reports
// whether the user already went over the limit on this replica alone, and
// when to try again. It does no I/O, so the event loop can refuse a flood
// in the ack itself; Admit is the count that holds across replicas.
func (g *Gate) Early(user string) (retryAfter time.Duration, limited bool) {
	if g.perMinute <= 0 || user == "" {
		return 0, false
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	w, ok := g.local[user]
	if !ok || now.Sub(w.start) >= Window {
		if len(g.local) >= 10000 {
			g.pruneLocked(now)
		}
		w = window{start: now}
	}
	w.n++
	g.local[user] = w
	if w.n > g.perMinute {
		return w.start.Add(Window).Sub(now), true
	}
	return 0, false
}

func (g *Gate) pruneLocked(now time.Time) {
	for u, w := range g.local {
		if now.Sub(w.start) >= Window {
			delete(g.local, u)
		}
	}
}

// Admit admits the envelope named key once, across replicas, and when
// counted, counts it as one of user's commands against the limit.
func (g *Gate) Admit(ctx context.Context, key, user string, counted bool) (Verdict, error) {
	c := ""
	if counted && user != "" {
		c = "1"
	}
	keys := []string{g.prefix + "once:" + key, g.prefix + "rate:" + user}
	token := newToken()
	var v []any
	var err error
	for attempt := range admitAttempts {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		}
		v, err = admitScript.Run(ctx, g.rdb, keys,
			OnceTTL.Milliseconds(), g.perMinute, Window.Milliseconds(), c, token).Slice()
		if !redisconn.Retryable(ctx, err) {
			break
		}
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("admit envelope %s: %w", key, err)
	}
	if len(v) != 2 {
		return Verdict{}, fmt.Errorf("admit envelope %s: reply has %d elements, want 2", key, len(v))
	}
	status, _ := v[0].(string)
	ms, _ := v[1].(int64)
	switch status {
	case "ok":
		return Verdict{}, nil
	case "duplicate":
		return Verdict{Duplicate: true}, nil
	case "limited":
		return Verdict{Limited: true, RetryAfter: time.Duration(ms) * time.Millisecond}, nil
	}
	return Verdict{}, fmt.Errorf("admit envelope %s: unexpected status %q", key, status)
}

// admitAttempts bounds how often Admit asks again after a lost reply.
const admitAttempts = 3

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// Seconds is how a retry time is said to people: whole seconds, at least 1.
func Seconds(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(max(s, 1))
}
