package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/dbrestore/db-restore/internal/botrun"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func TestRedisOutageIsToldAndSurvived(t *testing.T) {
	h := newHarness(t)
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	addr := m.Addr()
	h.useRedis(addr)
	h.start()

	m.Close() // Redis goes away
	h.slash(requester, h.backupCommand("during the outage"))
	h.ephemeralHas(requester, "could not be stored", "Nothing was requested")
	if n := len(h.slack.Messages(approvals_)); n != 0 {
		t.Fatalf("approval messages during the outage: %d", n)
	}

	if err := m.StartAddr(addr); err != nil { // back on the same address
		t.Fatal(err)
	}
	// go-redis probes an address that refused it about once a second, so
	// the first command may still hear "try again"; a person would retry.
	for try := 1; len(h.slack.Messages(approvals_)) == 0; try++ {
		if try > 5 {
			t.Fatal("the bot did not reach Redis again after 5 tries")
		}
		told := countContaining(h.slack.Ephemerals(requester), "could not be stored")
		h.slash(requester, h.backupCommand("after the outage"))
		h.waitFor("an answer", func() bool {
			return len(h.slack.Messages(approvals_)) > 0 || countContaining(h.slack.Ephemerals(requester), "could not be stored") > told
		})
	}
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want 1", n)
	}
}

func TestEveryEnvelopeIsAcked(t *testing.T) {
	h := newHarness(t)
	h.start()
	ctx := h.ctx()
	for _, env := range []struct {
		kind    string
		payload any
	}{
		{slacktest.EnvelopeEventsAPI, map[string]any{"type": "event_callback", "event_id": "Ev1", "event": map[string]any{"type": "app_mention"}}},
		{slacktest.EnvelopeInteractive, map[string]any{"type": "shortcut", "callback_id": "nope", "user": map[string]any{"id": outsider}, "trigger_id": h.slack.IssueTrigger(outsider)}},
		{slacktest.EnvelopeInteractive, map[string]any{"type": "message_action", "callback_id": "nope", "user": map[string]any{"id": outsider}, "trigger_id": h.slack.IssueTrigger(outsider)}},
	} {
		if _, err := h.slack.Send(ctx, env.kind, env.payload); err != nil {
			t.Errorf("%s %v: not acked: %v", env.kind, env.payload, err)
		}
	}
	// Help and usage errors come back in the ack itself.
	ack := h.slash(outsider, "help")
	if !strings.Contains(string(ack.Payload), "Usage of /db-restore") {
		t.Errorf("help ack: %s", ack.Payload)
	}
}

func TestRefusedLinkDoesNotStorm(t *testing.T) {
	h := newHarness(t)
	h.start()
	before := h.slack.OpenCalls()
	h.slack.RejectConnections("link_disabled")
	h.slack.Disconnect("link_disabled")
	time.Sleep(3 * time.Second)
	opens := h.slack.OpenCalls() - before
	// slack-go alone reconnects at once, thousands of times a second; the
	// pacer allows about one, then 1 s, 2 s, 4 s... apart.
	if opens > 6 {
		t.Fatalf("apps.connections.open called %d times in 3 s while Slack refused the link", opens)
	}
	h.slack.RejectConnections("")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.slack.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("bot did not reconnect once Slack accepted it again: %v", err)
	}
	h.slash(requester, "help")
}

func TestFatalTokenErrorsNameTheToken(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"bad bot token", "SLACK_BOT_TOKEN", "xoxb-wrong", "SLACK_BOT_TOKEN"},
		{"bad app token", "SLACK_APP_TOKEN", "xapp-wrong", "SLACK_APP_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env[tt.key] = tt.value
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := runWith(ctx, []string{"db-restore"}, func(k string) string { return h.env[k] }, h.logs, h.logs, botrun.Hooks{Now: h.clock.Now})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run: got %v, want an error naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.value) {
				t.Errorf("the error repeats the token: %v", err)
			}
		})
	}
}

// TestAppTokenRefusalStopsTheBot: every answer of apps.connections.open
// that no reconnect heals stops run with SLACK_APP_TOKEN named and what to
// do, after one call, instead of a reconnect loop (slack-go itself retries
// missing_scope, not_allowed_token_type and token_expired for ever).
func TestAppTokenRefusalStopsTheBot(t *testing.T) {
	for _, code := range []string{"missing_scope", "not_allowed_token_type", "token_expired", "token_revoked", "invalid_auth"} {
		t.Run(code, func(t *testing.T) {
			h := newHarness(t)
			h.slack.RefuseConnectionsOpen(code)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := runWith(ctx, []string{"db-restore"}, func(k string) string { return h.env[k] }, h.logs, h.logs, botrun.Hooks{Now: h.clock.Now})
			if ctx.Err() != nil {
				t.Fatalf("run kept reconnecting until the test gave up (%d apps.connections.open calls)", h.slack.OpenCalls())
			}
			if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || !strings.Contains(err.Error(), code) ||
				!strings.Contains(err.Error(), "App-Level Tokens") && !strings.Contains(err.Error(), "xapp-") {
				t.Fatalf("run: got %v, want an error naming SLACK_APP_TOKEN, %s and what to do", err, code)
			}
			if strings.Contains(err.Error(), appToken) {
				t.Errorf("the error repeats the token: %v", err)
			}
			if n := h.slack.OpenCalls(); n != 1 {
				t.Errorf("apps.connections.open called %d times, want 1", n)
			}
		})
	}
}

func TestBadConfigurationNamesEveryVariable(t *testing.T) {
	env := map[string]string{"SLACK_APP_TOKEN": "nope", "RESTORE_REQUEST_TTL": "soon"}
	err := run(context.Background(), []string{"db-restore"}, func(k string) string { return env[k] }, &syncBuffer{}, &syncBuffer{})
	if err == nil {
		t.Fatal("want a configuration error")
	}
	for _, name := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "RESTORE_APPROVERS", "RESTORE_REQUEST_TTL", "HUAWEICLOUD_SDK_AK"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestMissingScopeStopsTheBot(t *testing.T) {
	h := newHarness(t)
	b := h.start()
	h.slack.FailNext("chat.postMessage", "missing_scope")
	h.slash(requester, h.backupCommand("no scope"))
	select {
	case err := <-b.done:
		b.done <- nil
		if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "missing_scope") {
			t.Fatalf("run: got %v, want an error naming SLACK_BOT_TOKEN and missing_scope", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the bot kept running with a token that lacks a scope")
	}
}
