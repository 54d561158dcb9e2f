package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/botrun"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// People and places of the end-to-end tests.
const (
	requester  = "UREQ0001" // in Asia/Shanghai (UTC+8)
	approver   = "UAPP0001"
	approver2  = "UAPP0002"
	outsider   = "UOUT0001" // not an approver
	groupMate  = "UGRP0001" // an approver through user group dbaGroup
	dbaGroup   = "SDBA0001"
	nyUser     = "UNYC0001" // in America/New_York
	opsChannel = "C0OPS0001"
	approvals_ = "C0APPR001"
	incidents  = "C0INCI001"

	botToken = "xoxb-test-bot-token-secret"
	appToken = "xapp-1-test-app-token-secret"
	cloudSK  = "test-secret-key-do-not-log"
)

// clock runs with real time, plus an offset a test may advance.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// syncBuffer collects the bot's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs the whole bot through run's wiring against the project's
// fake Slack and fake GaussDB over loopback, and a real Redis.
type harness struct {
	t      testing.TB
	slack  *slacktest.Server
	gauss  *gaussdbtest.Server
	env    map[string]string
	clock  *clock
	logs   *syncBuffer
	prefix string
	rdb    redis.UniversalClient

	// tunes change the configuration every replica starts with (after
	// start's own: a 50 ms sweep).
	tunes []func(*config.Config)

	source, target gaussdbtest.Instance
	backup         restore.Backup

	bots []*bot
}

type bot struct {
	h      *harness
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{}, logs: &syncBuffer{}}
	h.slack = slacktest.New(t, slacktest.Options{BotToken: botToken, AppToken: appToken})
	for _, u := range []slacktest.User{
		{ID: requester, Name: "rita", TZ: "Asia/Shanghai"},
		{ID: approver, Name: "alice", TZ: "Europe/London"},
		{ID: approver2, Name: "bob", TZ: "UTC"},
		{ID: outsider, Name: "olly", TZ: "UTC"},
		{ID: groupMate, Name: "gus", TZ: "UTC"},
		{ID: nyUser, Name: "nina", TZ: "America/New_York"},
	} {
		if err := h.slack.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	h.slack.SetUserGroup(dbaGroup, groupMate)

	h.gauss = gaussdbtest.New(t, gaussdbtest.Options{SK: cloudSK, JobPolls: 2})
	h.source = h.gauss.AddInstance(gaussdbtest.Instance{ID: gaussdbtest.NewInstanceID(), Name: "orders-prod", Status: "ACTIVE", Version: "8.0", LowerCaseTableNames: "1"})
	h.target = h.gauss.AddInstance(gaussdbtest.Instance{ID: gaussdbtest.NewInstanceID(), Name: "orders-restore", Status: "ACTIVE", Version: "8.0", LowerCaseTableNames: "1"})
	now := time.Now().UTC()
	h.backup = h.gauss.AddBackup(restore.Backup{ID: gaussdbtest.NewBackupID(), Name: "nightly", InstanceID: h.source.ID,
		Status: "COMPLETED", Type: "auto", Begin: now.Add(-26 * time.Hour), End: now.Add(-25 * time.Hour), SizeMB: 2048})
	h.gauss.SetRestoreWindows(h.source.ID, restore.Window{Start: now.Add(-7 * 24 * time.Hour), End: now.Add(-time.Minute)})

	h.rdb, h.prefix = redistest.New(t)
	o := h.gauss.Options()
	h.env = map[string]string{
		"SLACK_APP_TOKEN":  appToken,
		"SLACK_BOT_TOKEN":  botToken,
		"SLACK_API_URL":    h.slack.APIURL(),
		"REDIS_URL":        redisURL(t, h.rdb),
		"REDIS_KEY_PREFIX": h.prefix,
		// The test servers keep no append-only file: what a crash would
		// lose is not what these tests are about (durability_test.go is).
		"REDIS_DURABILITY":           "best_effort",
		"HUAWEICLOUD_SDK_AK":         o.AK,
		"HUAWEICLOUD_SDK_SK":         o.SK,
		"HUAWEICLOUD_SDK_PROJECT_ID": o.ProjectID,
		"GAUSSDB_ENDPOINT":           h.gauss.URL,
		"RESTORE_APPROVERS":          approver + "," + approver2 + "," + dbaGroup,
		"RESTORE_APPROVAL_CHANNEL":   approvals_,
		"RESTORE_INCIDENT_CHANNEL":   incidents,
		"HEALTH_ADDR":                "off",
		"RESTORE_JOB_POLL_INTERVAL":  "100ms",
		"LOG_LEVEL":                  "debug",
	}
	t.Cleanup(func() {
		h.stopAll()
		if v := h.slack.Violations(); len(v) > 0 {
			t.Errorf("Slack limits broken: %q", v)
		}
		for _, secret := range []string{botToken, appToken, cloudSK} {
			if strings.Contains(h.logs.String(), secret) {
				t.Errorf("a secret reached the logs: %q", secret)
			}
		}
		if t.Failed() {
			t.Logf("bot logs:\n%s", h.logs.String())
		}
	})
	return h
}

// start runs one bot replica and waits until it is connected.
func (h *harness) start() *bot {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{h: h, cancel: cancel, done: make(chan error, 1)}
	want := h.slack.Connections() + 1
	getenv := func(k string) string { return h.env[k] }
	hk := botrun.Hooks{Now: h.clock.Now, Tune: func(c *config.Config) {
		c.SweepInterval = 50 * time.Millisecond
		for _, tune := range h.tunes {
			tune(c)
		}
	}}
	go func() {
		b.done <- runWith(ctx, []string{"db-restore"}, getenv, h.logs, h.logs, hk)
	}()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := h.slack.WaitConnected(wctx, want); err != nil {
		select {
		case err := <-b.done:
			h.t.Fatalf("bot exited: %v", err)
		default:
		}
		h.t.Fatalf("bot did not connect: %v", err)
	}
	h.bots = append(h.bots, b)
	return b
}

func (b *bot) stop(t testing.TB) {
	t.Helper()
	conns := b.h.slack.Connections()
	defer func() {
		// Wait until the fake has seen the socket close, so that the next
		// start counts connections correctly.
		b.h.waitFor("the stopped bot's socket to close", func() bool { return b.h.slack.Connections() < conns })
	}()
	b.cancel()
	select {
	case err := <-b.done:
		if err != nil {
			t.Errorf("bot stopped with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("bot did not stop within 20s")
	}
	b.done <- nil // a second stop is a no-op
}

func (h *harness) stopAll() {
	for _, b := range h.bots {
		b.cancel()
		<-b.done
		b.done <- nil
	}
	h.bots = nil
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// slash types a /db-restore command and returns the ack.
func (h *harness) slash(user, text string) slacktest.Ack {
	h.t.Helper()
	ack, err := h.slack.SlashCommand(h.ctx(), slacktest.Slash{UserID: user, ChannelID: opsChannel, Text: text})
	if err != nil {
		h.t.Fatalf("slash %q: %v", text, err)
	}
	return ack
}

// waitFor polls the fakes until cond holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	// Re-check on every change in the fake Slack, and every few
	// milliseconds for conditions on Redis, GaussDB or HTTP.
	ctx := h.ctx()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		changed := h.slack.Changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-ctx.Done():
			h.t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// approvalMessage waits for the n-th approval message (1-based).
func (h *harness) approvalMessage(n int) slacktest.Message {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("approval message %d", n), func() bool { return len(h.slack.Messages(approvals_)) >= n })
	m := h.slack.Messages(approvals_)[n-1]
	// The bot records where the message is just after posting it; timed
	// tests (reminders, expiry) start from there, as a person would.
	id := requestID(h.t, m)
	h.waitFor("message recorded", func() bool {
		r, err := h.store().Get(context.Background(), id)
		return err == nil && r.MessageTS != ""
	})
	return m
}

// current is the message as it stands after updates.
func (h *harness) current(m slacktest.Message) slacktest.Message {
	h.t.Helper()
	cur, ok := h.slack.Message(m.Channel, m.TS)
	if !ok {
		h.t.Fatalf("message %s vanished", m.TS)
	}
	return cur
}

func (h *harness) click(user string, m slacktest.Message, action string) slacktest.Ack {
	h.t.Helper()
	ack, err := h.slack.BlockAction(h.ctx(), slacktest.Action{UserID: user, ChannelID: m.Channel, MessageTS: m.TS, ActionID: action})
	if err != nil {
		h.t.Fatalf("click %s by %s: %v", action, user, err)
	}
	return ack
}

// threadHas waits for a reply in m's thread containing every part.
func (h *harness) threadHas(m slacktest.Message, parts ...string) slacktest.Message {
	h.t.Helper()
	var found slacktest.Message
	h.waitFor(fmt.Sprintf("thread reply with %q", parts), func() bool {
		for _, r := range h.slack.Thread(m.Channel, m.TS) {
			if containsAll(r.Text, parts...) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

// ephemeralHas waits for an ephemeral to user containing every part.
func (h *harness) ephemeralHas(user string, parts ...string) slacktest.Message {
	h.t.Helper()
	var found slacktest.Message
	h.waitFor(fmt.Sprintf("ephemeral to %s with %q", user, parts), func() bool {
		for _, m := range h.slack.Ephemerals(user) {
			if containsAll(m.Text, parts...) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

func (h *harness) channelHas(ch string, parts ...string) {
	h.t.Helper()
	h.waitFor(fmt.Sprintf("message in %s with %q", ch, parts), func() bool {
		return countContaining(h.slack.Messages(ch), parts...) > 0
	})
}

func countContaining(ms []slacktest.Message, parts ...string) int {
	n := 0
	for _, m := range ms {
		if containsAll(m.Text, parts...) {
			n++
		}
	}
	return n
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// store opens the bot's request store over the same Redis and prefix.
func (h *harness) store(opts ...approvals.Option) *approvals.Store {
	return approvals.NewStore(h.rdb, h.prefix, h.clock.Now, opts...)
}

// requestID reads the request ID from an approval message's buttons.
func requestID(t testing.TB, m slacktest.Message) string {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		for _, e := range b.Elements {
			if e.ActionID == "approve" {
				id, _, _ := strings.Cut(e.Value, "|")
				return id
			}
		}
	}
	t.Fatalf("no approve button in %s", m.Blocks)
	return ""
}

func hasButtons(m slacktest.Message) bool {
	return strings.Contains(string(m.Blocks), `"action_id":"approve"`)
}

// restoreCalls counts the restore POSTs the fake GaussDB received.
func (h *harness) restoreCalls() []gaussdbtest.RestoreCall { return h.gauss.RestoreCalls() }

// backupCommand is a valid backup restore of source into target.
func (h *harness) backupCommand(reason string) string {
	return fmt.Sprintf("source=%s target=%s backup=%s reason=%q", h.source.Name, h.target.ID, h.backup.ID, reason)
}

// staleClick sends a click on msg's button with the given value, built by
// hand: as a client sends it when it has not yet seen the message lose its
// buttons, or when two clicks race.
func (h *harness) staleClick(user string, m slacktest.Message, action, value string) {
	h.t.Helper()
	payload := map[string]any{
		"type":      "block_actions",
		"user":      map[string]any{"id": user, "username": user, "team_id": "T0FAKE"},
		"team":      map[string]any{"id": "T0FAKE"},
		"channel":   map[string]any{"id": m.Channel},
		"container": map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel},
		"message":   map[string]any{"ts": m.TS, "text": m.Text},
		"actions": []map[string]any{{
			"action_id": action, "block_id": "decision", "value": value, "type": "button",
			"action_ts": fmt.Sprint(time.Now().Unix()),
		}},
		"trigger_id": h.slack.IssueTrigger(user),
	}
	if _, err := h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, payload); err != nil {
		h.t.Fatalf("stale click: %v", err)
	}
}

// blocksText is a message's blocks as JSON with Go's HTML escapes undone,
// so tests can look for Slack markup such as <@U…> in it.
func blocksText(m slacktest.Message) string {
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(m.Blocks))
}

type slacktestMessage = slacktest.Message

func slacktestUser(id string) slacktest.User {
	return slacktest.User{ID: id, Name: strings.ToLower(id), TZ: "UTC"}
}

// useRedis points the bot, and the harness's own store, at another Redis.
func (h *harness) useRedis(addr string) {
	h.env["REDIS_URL"] = "redis://" + addr
	c := redis.NewClient(&redis.Options{Addr: addr})
	h.t.Cleanup(func() { _ = c.Close() })
	h.rdb = c
}

// redisURL is the REDIS_URL that reaches the same server as c: REDIS_URL
// itself when set, else c's address (a throwaway redis-server, or the
// embedded store, which exists once per client).
func redisURL(t testing.TB, c redis.UniversalClient) string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	cl, ok := c.(*redis.Client)
	if !ok {
		t.Fatalf("redistest gave a %T; set REDIS_URL", c)
	}
	return "redis://" + cl.Options().Addr
}

// tune changes the configuration of every replica started after it.
func (h *harness) tune(f func(*config.Config)) { h.tunes = append(h.tunes, f) }
