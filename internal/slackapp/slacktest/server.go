// Package slacktest is a fake of Slack for end-to-end tests and load tools.
//
// One loopback HTTP server serves the Web API under /api/, the Socket Mode
// websocket under /link/ and response_url endpoints under /response/. It
// answers the way Slack does for the methods the bot uses, enforces Slack's
// limits (Block Kit sizes, 3 s single-use trigger ids, 3 s acks, 20 KB ack
// frames, 5 uses per response_url) and records every call and every broken
// limit, so a test fails where Slack would.
//
// Point slack-go at it with
//
//	api := slack.New(o.BotToken, slack.OptionAppLevelToken(o.AppToken), slack.OptionAPIURL(fake.APIURL()))
//	client := socketmode.New(api)
//
// and drive it with SlashCommand, BlockAction, ViewSubmission and the
// inspection methods (Messages, Views, Calls, Violations, WaitFor).
package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configures a Server. Zero values get the defaults noted per field.
type Options struct {
	BotToken     string        // xoxb token every Web API method requires; default "xoxb-fake-bot-token"
	AppToken     string        // xapp token apps.connections.open requires; default "xapp-fake-app-token"
	TeamID       string        // default "T0FAKETEAM"
	BotUserID    string        // the bot's user; default "U0FAKEBOT"
	BotID        string        // default "B0FAKEBOT"
	AppID        string        // default "A0FAKEAPP"
	AckTimeout   time.Duration // how long Slack waits for an ack; default 3s
	PingInterval time.Duration // websocket pings from the server; default 10s
	// Now is the clock for trigger_id and response_url expiry and message
	// timestamps; default time.Now. Ack latency and rate limits always use
	// the real clock.
	Now func() time.Time
	// NoRateLimits turns Slack's rate limits off (see ratelimit.go), for
	// tests whose subject is not the rates; say why where it is set.
	NoRateLimits bool
}

func (o Options) withDefaults() Options {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.BotToken, "xoxb-fake-bot-token")
	def(&o.AppToken, "xapp-fake-app-token")
	def(&o.TeamID, "T0FAKETEAM")
	def(&o.BotUserID, "U0FAKEBOT")
	def(&o.BotID, "B0FAKEBOT")
	def(&o.AppID, "A0FAKEAPP")
	if o.AckTimeout <= 0 {
		o.AckTimeout = 3 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Errors returned by the envelope senders.
var (
	// ErrAckTimeout means no ack arrived within Options.AckTimeout: Slack
	// would have shown the user an error.
	ErrAckTimeout = errors.New("slacktest: envelope not acknowledged in time")
	// ErrAckDropped means the ack frame was 20 KB or larger: Slack drops it.
	ErrAckDropped = errors.New("slacktest: ack frame too large, dropped")
	// ErrNoConnection means no Socket Mode connection was open: Slack answers
	// the user with dispatch_failed.
	ErrNoConnection = errors.New("slacktest: no socket mode connection")
	// ErrClosed means the server was closed.
	ErrClosed = errors.New("slacktest: server closed")
)

// Server is the fake Slack. All methods are safe for concurrent use.
type Server struct {
	opts Options
	srv  *httptest.Server
	host string // 127.0.0.1:port
	done chan struct{}
	wg   sync.WaitGroup // websocket handlers and ping loops

	mu         sync.Mutex
	closed     bool
	changed    chan struct{}
	seq        int
	lastTS     int64 // microseconds of the last message ts handed out
	violations []string
	calls      []Call
	inject     map[string][]injected
	holds      map[string]chan struct{} // Web API methods held until released
	waiting    map[string]int           // calls waiting on a hold, by method
	users      map[string]User
	groups     map[string][]string
	dms        map[string]string // user IDs (comma-joined) -> D/G channel
	chans      map[string][]*Message
	ephemerals []Message
	views      map[string]*view
	stacks     map[string][]string // user -> open modal stack, root first
	triggers   map[string]*trigger
	responses  map[string]*responseURL
	sock       socketState

	homes   map[string]*view // user -> the Home tab view published for them
	homeOff bool
	rate    rateState
}

// New starts a Server for a test and closes it in tb.Cleanup. When the test
// has failed it logs the recorded violations.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := NewServer(o)
	if err != nil {
		tb.Fatalf("start fake slack: %v", err)
	}
	tb.Cleanup(func() {
		s.Close()
		if tb.Failed() {
			for _, v := range s.Violations() {
				tb.Logf("slack violation: %s", v)
			}
		}
	})
	return s
}

// NewServer starts a Server on 127.0.0.1. Call Close when done.
func NewServer(o Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	s := &Server{
		opts:      o.withDefaults(),
		host:      l.Addr().String(),
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		inject:    map[string][]injected{},
		holds:     map[string]chan struct{}{},
		waiting:   map[string]int{},
		users:     map[string]User{},
		groups:    map[string][]string{},
		dms:       map[string]string{},
		chans:     map[string][]*Message{},
		views:     map[string]*view{},
		stacks:    map[string][]string{},
		triggers:  map[string]*trigger{},
		responses: map[string]*responseURL{},
		sock:      newSocketState(),
		homes:     map[string]*view{},
		rate:      newRateState(o.NoRateLimits),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.handleAPI)
	mux.HandleFunc("/link/", s.handleLink)
	mux.HandleFunc("/response/", s.handleResponseURL)
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	s.srv.Start()
	return s, nil
}

// APIURL is the Web API base for slack.OptionAPIURL, ending in "/api/".
func (s *Server) APIURL() string { return "http://" + s.host + "/api/" }

// Close disconnects every websocket, fails pending envelopes with ErrClosed
// and stops the server. It waits for every goroutine it started.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := s.sock.allConnsLocked()
	for _, p := range s.sock.pending {
		if p.timer != nil {
			p.timer.Stop()
		}
		p.resolve(outcome{err: ErrClosed})
	}
	s.notifyLocked()
	s.mu.Unlock()

	for _, c := range conns {
		_ = c.ws.Close()
	}
	s.srv.Close()
	s.wg.Wait()
}

// Changed returns a channel that is closed at the next change of the fake's
// state (a call, a message, a connection, an ack, a violation).
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor blocks until cond returns true, re-evaluating it after every change,
// or until ctx ends or the server closes. cond may call the Server's methods.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-s.done:
			if cond() {
				return nil
			}
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("wait for condition: %w", ctx.Err())
		}
	}
}

// Violations lists every Slack rule the bot broke so far, in order: Block Kit
// limits, late, duplicate or oversized acks, reused triggers, overused
// response_urls, calls made before a Retry-After had passed. Tests should assert it is empty.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) violateLocked(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
	s.notifyLocked()
}

func (s *Server) now() time.Time { return s.opts.Now() }

// nextIDLocked returns prefix followed by a unique upper-case suffix, the
// shape of Slack's IDs (V…, D…, S…).
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%08X", prefix, s.seq)
}

// nextTSLocked returns a message timestamp ("1700000000.000100") unique in
// the workspace and greater than every earlier one.
func (s *Server) nextTSLocked() string {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// newUUID returns a random UUID, the shape of Slack's envelope ids.
func newUUID() string {
	h := randomHex(16)
	return strings.Join([]string{h[:8], h[8:12], h[12:16], h[16:20], h[20:]}, "-")
}
