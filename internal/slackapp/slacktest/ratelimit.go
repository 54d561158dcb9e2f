package slacktest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Rate limits. By default the fake answers the way Slack's limiter does
// (https://docs.slack.dev/apis/web-api/rate-limits): every method the bot
// uses has its tier's per-workspace rate, and chat.postMessage also has its
// per-channel rate of about one message a second with short bursts. A call
// over a rate is answered HTTP 429 with Retry-After (whole seconds, at
// least 1) and recorded with Call.Limited; that is not a violation. A call
// of the same method (and, for the per-channel rate, to the same channel)
// that arrives before the Retry-After it was given has passed IS a
// violation: a client that honours 429s never makes one. Rates run on the
// real clock, like ack latency, whatever Options.Now says.
//
// Tests whose subject is not Slack's rates may turn them off with
// Options.NoRateLimits, saying why.

// Limit is a rate: at most N calls within any Window.
type Limit struct {
	N      int
	Window time.Duration
}

// Slack's documented tiers, per method per workspace ("N+ per minute": the
// fake grants exactly N).
var (
	Tier1 = Limit{N: 1, Window: time.Minute}
	Tier2 = Limit{N: 20, Window: time.Minute}
	Tier3 = Limit{N: 50, Window: time.Minute}
	Tier4 = Limit{N: 100, Window: time.Minute}
	// ChannelRate is chat.postMessage's rate in one channel (a DM is a
	// channel): one a second, with bursts of 3.
	ChannelRate = Limit{N: 3, Window: 3 * time.Second}
	// PostMessageRate is chat.postMessage's workspace-wide cap ("several
	// hundred messages a minute").
	PostMessageRate = Limit{N: 300, Window: time.Minute}
)

// inFlightGrace is how soon after a 429 a call may arrive without counting
// as a violation: the client may have sent it before it read the 429.
const inFlightGrace = 50 * time.Millisecond

// defaultLimits are the workspace-wide rates of the methods the fake
// serves. apps.connections.open (Tier 1) is left out: the socket tests
// reconnect many times a minute, and slack-go's Socket Mode client waits
// out its 429s itself.
func defaultLimits() map[string]Limit {
	return map[string]Limit{
		"auth.test":             Tier4,
		"chat.postMessage":      PostMessageRate,
		"chat.update":           Tier3,
		"chat.delete":           Tier3,
		"chat.postEphemeral":    Tier4,
		"chat.getPermalink":     Tier4,
		"conversations.open":    Tier3,
		"views.open":            Tier4,
		"views.push":            Tier4,
		"views.update":          Tier4,
		"views.publish":         Tier4,
		"users.info":            Tier4,
		"usergroups.users.list": Tier2,
	}
}

// rateState is the limiter's memory, guarded by Server.mu.
type rateState struct {
	off     bool
	limits  map[string]Limit       // method -> workspace rate
	channel Limit                  // chat.postMessage per channel
	calls   map[string][]time.Time // key -> accepted calls within its window
	until   map[string]retryAfter  // key -> the last Retry-After given
}

type retryAfter struct {
	given, until time.Time
}

func newRateState(off bool) rateState {
	return rateState{off: off, limits: defaultLimits(), channel: ChannelRate,
		calls: map[string][]time.Time{}, until: map[string]retryAfter{}}
}

// SetRateLimit changes the workspace-wide rate of one Web API method; a
// zero Limit removes it.
func (s *Server) SetRateLimit(method string, l Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.N <= 0 || l.Window <= 0 {
		delete(s.rate.limits, method)
		return
	}
	s.rate.limits[method] = l
}

// OnlyRateLimits keeps the rates of the named methods and drops every
// other one, chat.postMessage's per-channel rate too (unless named): for a
// test about one method's rate that makes many other calls.
func (s *Server) OnlyRateLimits(methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := map[string]Limit{}
	for _, m := range methods {
		if l, ok := s.rate.limits[m]; ok {
			keep[m] = l
		}
	}
	s.rate.limits = keep
	if _, ok := keep["chat.postMessage"]; !ok {
		s.rate.channel = Limit{}
	}
}

// SetChannelRate changes chat.postMessage's per-channel rate.
func (s *Server) SetChannelRate(l Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate.channel = l
}

// earlyCallLocked records a violation when a call came before a
// Retry-After given for its method (or its channel) had passed. It runs
// even with the limits off, for the 429s a test injects.
func (s *Server) earlyCallLocked(name string, req *apiRequest, arrived time.Time) {
	for _, k := range s.rateKeysLocked(name, req, true) {
		if ra, ok := s.rate.until[k.key]; ok && arrived.After(ra.given.Add(inFlightGrace)) && arrived.Before(ra.until) {
			s.violateLocked("%s: called %v before the Retry-After given at %s had passed (%s)",
				name, ra.until.Sub(arrived).Round(time.Millisecond), ra.given.Format("15:04:05.000"), k.what)
		}
	}
}

// toldToWaitLocked remembers a Retry-After given for a whole method.
func (s *Server) toldToWaitLocked(name string, wait time.Duration) {
	now := time.Now()
	s.rate.until[name] = retryAfter{given: now, until: now.Add(wait)}
}

// rateLimitedLocked counts one call against the rates that apply to it.
// It returns the Retry-After to answer (0: within every rate, and the
// call is counted).
func (s *Server) rateLimitedLocked(name string, req *apiRequest) time.Duration {
	if s.rate.off {
		return 0
	}
	keys := s.rateKeysLocked(name, req, false)
	now := time.Now()
	var wait time.Duration
	for _, k := range keys {
		if w := s.windowWaitLocked(k.key, k.limit, now); w > wait {
			wait = w
		}
	}
	if wait > 0 {
		secs := time.Duration(math.Ceil(wait.Seconds())) * time.Second
		for _, k := range keys {
			if s.windowWaitLocked(k.key, k.limit, now) > 0 {
				s.recordRetryAfterLocked(k.key, now, secs)
			}
		}
		return secs
	}
	for _, k := range keys {
		s.rate.calls[k.key] = append(s.rate.calls[k.key], now)
	}
	return 0
}

// recordRetryAfterLocked remembers the Retry-After given for key. A 429
// given while an earlier Retry-After for the key still runs (a call another
// replica had in flight) does not move the recorded end: its whole-second
// rounding can end up to a second after the first, and the replica that
// obeyed the first would be blamed for a wait it was never told. Such a
// later call is still answered 429 by the window itself.
func (s *Server) recordRetryAfterLocked(key string, now time.Time, wait time.Duration) {
	if cur, ok := s.rate.until[key]; ok && now.Before(cur.until) {
		return
	}
	s.rate.until[key] = retryAfter{given: now, until: now.Add(wait)}
}

type rateKey struct {
	key, what string
	limit     Limit
}

// rateKeysLocked lists the rates one call counts against; all adds the
// method's own key even when it has no rate (injected 429s).
func (s *Server) rateKeysLocked(name string, req *apiRequest, all bool) []rateKey {
	var keys []rateKey
	if l, ok := s.rate.limits[name]; ok && !s.rate.off {
		keys = append(keys, rateKey{key: name, what: fmt.Sprintf("%d a %v per workspace", l.N, l.Window), limit: l})
	} else if all {
		keys = append(keys, rateKey{key: name, what: "an injected 429"})
	}
	if name == "chat.postMessage" && s.rate.channel.N > 0 && !s.rate.off {
		ch := s.resolveChannelLocked(req.str("channel"))
		keys = append(keys, rateKey{key: name + "#" + ch, limit: s.rate.channel,
			what: fmt.Sprintf("%d per %v in channel %s", s.rate.channel.N, s.rate.channel.Window, ch)})
	}
	return keys
}

// windowWaitLocked forgets calls older than the window and returns how long
// until one more call fits (0: it fits now).
func (s *Server) windowWaitLocked(key string, l Limit, now time.Time) time.Duration {
	times := s.rate.calls[key]
	keep := times[:0]
	for _, t := range times {
		if now.Sub(t) < l.Window {
			keep = append(keep, t)
		}
	}
	s.rate.calls[key] = keep
	if len(keep) < l.N {
		return 0
	}
	return l.Window - now.Sub(keep[len(keep)-l.N])
}

// limitedHeader marks, between dispatch and the recorded Call, a 429 of
// the fake's own limits; it never reaches the client.
const limitedHeader = "X-Slacktest-Limited"

// rateLimitReply is Slack's answer to a call over a rate.
func rateLimitReply(header http.Header, wait time.Duration) (int, http.Header, reply) {
	header.Set(limitedHeader, "1")
	header.Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	return http.StatusTooManyRequests, header, fail("ratelimited")
}

// Limited returns the calls of method (every method when "") that the
// fake's rate limits answered 429, oldest first.
func (s *Server) Limited(method string) []Call {
	var out []Call
	for _, c := range s.Calls(method) {
		if c.Limited {
			out = append(out, c)
		}
	}
	return out
}
