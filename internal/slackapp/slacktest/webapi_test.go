package slacktest_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func approvalBlocks() []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Restore* db1", false, true), nil, nil, slack.SectionBlockOptionBlockID("summary")),
		slack.NewActionBlock("decision",
			slack.NewButtonBlockElement("approve", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("deny", "req-1", slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)).WithStyle(slack.StyleDanger),
		),
	}
}

func TestChatRoundTrip(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)

	ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("restore db1?", false), slack.MsgOptionBlocks(approvalBlocks()...))
	if err != nil || ch != "C1" || ts == "" {
		t.Fatalf("PostMessage = %q, %q, %v", ch, ts, err)
	}
	_, replyTS, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("started", false), slack.MsgOptionTS(ts))
	if err != nil || replyTS <= ts {
		t.Fatalf("thread reply ts = %q (parent %q), %v; want a later ts", replyTS, ts, err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("approved", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatalf("UpdateMessage: %v", err)
	}
	ephTS, err := api.PostEphemeralContext(ctx, "C1", "U2", slack.MsgOptionText("only you", false))
	if err != nil {
		t.Fatalf("PostEphemeral: %v", err)
	}

	if msgs := fake.Messages("C1"); len(msgs) != 1 || msgs[0].TS != ts {
		t.Errorf("top-level messages = %+v, want only %s", msgs, ts)
	}
	if th := fake.Thread("C1", ts); len(th) != 1 || th[0].Text != "started" || th[0].ThreadTS != ts {
		t.Errorf("thread = %+v", th)
	}
	m, ok := fake.Message("C1", ts)
	if !ok || m.Text != "approved" || m.Edited != 1 || m.Blocks != nil || m.User != "U0FAKEBOT" {
		t.Errorf("updated message = %+v, %v; want text approved, 1 edit, blocks cleared", m, ok)
	}
	if e := fake.Ephemerals("U2"); len(e) != 1 || e[0].TS != ephTS || e[0].Text != "only you" {
		t.Errorf("ephemerals = %+v, want one with ts %s", e, ephTS)
	}
	calls := fake.Calls("chat.postMessage")
	if len(calls) != 2 || calls[0].Params.Get("channel") != "C1" || calls[0].Bearer || calls[0].Params.Has("token") {
		t.Errorf("chat.postMessage calls = %+v, want 2 form calls without the token recorded", calls)
	}
	wantNoViolations(t, fake)
}

func TestChatUpdateErrors(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	userMsg := fake.AddUserMessage("C1", "U1", "hello")
	tests := []struct {
		name, ts, want string
	}{
		{"unknown message", "1.000001", "message_not_found"},
		{"message by a person", userMsg.TS, "cant_update_message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := api.UpdateMessageContext(ctx, "C1", tt.ts, slack.MsgOptionText("x", false))
			if got := slackErr(err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	tests := []struct {
		name, token, want string
	}{
		{"bot token", testBotToken, ""},
		{"wrong token", "xoxb-wrong", "invalid_auth"},
		{"missing token", "", "not_authed"},
		{"app token for a bot method", testAppToken, "not_allowed_token_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := slack.New(tt.token, slack.OptionAPIURL(fake.APIURL())).AuthTestContext(testCtx(t))
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
			if tt.want == "" && (resp.UserID != "U0FAKEBOT" || resp.TeamID != "T0FAKETEAM" || resp.BotID != "B0FAKEBOT") {
				t.Errorf("auth.test = %+v", resp)
			}
		})
	}
}

func TestUnknownMethod(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	resp, err := http.PostForm(fake.APIURL()+"chat.scheduleMessage", url.Values{"token": {testBotToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := fake.Calls("chat.scheduleMessage"); len(c) != 1 || c[0].Error != "unknown_method" {
		t.Errorf("calls = %+v, want one answered unknown_method", c)
	}
}

func TestInjectedFailuresAndRateLimits(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)

	fake.FailNext("chat.postMessage", "channel_not_found")
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
		t.Errorf("first post error = %v, want channel_not_found", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("second post error = %v, want nil", err)
	}

	fake.RateLimitNext("users.info", 7)
	_, err := api.GetUserInfoContext(ctx, "U1")
	rl, ok := errors.AsType[*slack.RateLimitedError](err)
	if !ok || rl.RetryAfter != 7*time.Second {
		t.Errorf("error = %v, want RateLimitedError retry after 7s", err)
	}
	if c := fake.Calls("users.info"); len(c) != 1 || c[0].Status != http.StatusTooManyRequests {
		t.Errorf("users.info calls = %+v, want one 429", c)
	}
}

func TestUsersAndGroups(t *testing.T) {
	summer := func() time.Time { return time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) }
	fake := newFake(t, slacktest.Options{Now: summer})
	api, ctx := newAPI(fake), testCtx(t)
	if err := fake.AddUser(slacktest.User{ID: "U1", Name: "alice", TZ: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	if err := fake.AddUser(slacktest.User{ID: "U9", TZ: "Mars/Olympus"}); err == nil {
		t.Error("AddUser with an unknown zone succeeded")
	}

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Name != "alice" || u.TZ != "Europe/Berlin" || u.TZOffset != 7200 || u.TZLabel != "Central European Summer Time" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "U404"); slackErr(err) != "user_not_found" {
		t.Errorf("unknown user error = %v, want user_not_found", err)
	}

	fake.SetUserGroup("S1", "U1", "U2")
	members, err := api.GetUserGroupMembersContext(ctx, "S1")
	if err != nil || strings.Join(members, ",") != "U1,U2" {
		t.Errorf("members = %v, %v", members, err)
	}
	if _, err := api.GetUserGroupMembersContext(ctx, "S2"); slackErr(err) != "no_such_subteam" {
		t.Errorf("unknown group error = %v, want no_such_subteam", err)
	}
}

func TestDirectMessages(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	ch, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || !strings.HasPrefix(ch.ID, "D") || already {
		t.Fatalf("conversations.open = %+v, %v, %v", ch, already, err)
	}
	again, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || again.ID != ch.ID || !already {
		t.Errorf("second open = %+v, already %v, %v; want the same channel, already open", again, already, err)
	}
	posted, _, err := api.PostMessageContext(ctx, "U1", slack.MsgOptionText("your restore finished", false))
	if err != nil || posted != ch.ID {
		t.Errorf("post to user = %q, %v; want channel %s", posted, err, ch.ID)
	}
	if dms := fake.DMs("U1"); len(dms) != 1 || dms[0].Text != "your restore finished" {
		t.Errorf("DMs = %+v", dms)
	}
}

func TestLimitsEnforcedByChatMethods(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	tests := []struct {
		name      string
		opts      []slack.MsgOption
		want      string
		violation string
	}{
		{"51 blocks", []slack.MsgOption{slack.MsgOptionText("x", false), slack.MsgOptionBlocks(many...)}, "invalid_blocks", "at most 50 blocks"},
		{"text over 40000", []slack.MsgOption{slack.MsgOptionText(strings.Repeat("a", 40001), false)}, "msg_too_long", "40001 characters"},
		{"no content", nil, "no_text", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := api.PostMessageContext(ctx, "C1", tt.opts...); slackErr(err) != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
			if tt.violation != "" {
				wantViolation(t, fake, tt.violation)
			}
		})
	}
	if m := fake.Messages("C1"); len(m) != 0 {
		t.Errorf("messages = %+v, want none stored", m)
	}
}
