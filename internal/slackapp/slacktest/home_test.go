package slacktest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func homeView(n int) slack.HomeTabViewRequest {
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = slack.NewSectionBlock(plain(fmt.Sprintf("line %d", i)), nil, nil)
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

func TestViewsPublishChecksTheView(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	modal := restoreModal()
	tests := []struct {
		name string
		view slack.HomeTabViewRequest
		want string
	}{
		{"home of 100 blocks", homeView(100), ""},
		{"101 blocks", homeView(101), "invalid_arguments"},
		{"a modal", slack.HomeTabViewRequest{Type: slack.VTModal, Blocks: modal.Blocks}, "invalid_arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: tt.view})
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
		})
	}
	home, ok := fake.Home("U1")
	if !ok || home.Type != "home" || fake.Publishes("U1") != 1 || !strings.Contains(string(home.Blocks), "line 99") {
		t.Errorf("Home(U1) = %+v, %v after one good publish (%d publishes)", home, ok, fake.Publishes("U1"))
	}
	if v := strings.Join(fake.Violations(), "\n"); !strings.Contains(v, "at most 100 blocks") || !strings.Contains(v, "/view/title") {
		t.Errorf("violations = %s, want one for each bad view", v)
	}
}

func TestViewsPublishRateLimit(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	fake.SetPublishLimit(3, time.Hour)
	api, ctx := newAPI(fake), testCtx(t)
	for i := range 5 {
		_, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: fmt.Sprintf("U%d", i), View: homeView(1)})
		var rl *slack.RateLimitedError
		switch {
		case i < 3 && err != nil:
			t.Fatalf("publish %d: %v", i, err)
		case i >= 3 && !errors.As(err, &rl):
			t.Fatalf("publish %d over the limit: %v, want a RateLimitedError", i, err)
		case i >= 3 && rl.RetryAfter <= 0:
			t.Errorf("Retry-After = %v", rl.RetryAfter)
		}
		if i == 3 {
			time.Sleep(100 * time.Millisecond) // past the in-flight grace
		}
	}
	if n := len(fake.Limited("views.publish")); n != 2 {
		t.Errorf("%d publishes answered 429, want 2", n)
	}
	// The 4th got a 429; the 5th came before its Retry-After had passed.
	if v := fake.Violations(); len(v) != 1 || !strings.Contains(v[0], "before the Retry-After") {
		t.Errorf("violations = %q", v)
	}
}

func TestAppHomeOpenedAndShortcut(t *testing.T) {
	clock := newClock()
	fake := newFake(t, slacktest.Options{Now: clock.Now})
	api, ctx := newAPI(fake), testCtx(t)
	events := make(chan socketmode.Event, 4)
	startBot(t, fake, func(c *socketmode.Client, evt socketmode.Event) {
		ackAll(c, evt)
		if evt.Type == socketmode.EventTypeEventsAPI || evt.Type == socketmode.EventTypeInteractive {
			events <- evt
		}
	})
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.AppHomeOpened(ctx, "U1"); err != nil {
		t.Fatal(err)
	}
	evt := <-events
	api2, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		t.Fatalf("event data is %T", evt.Data)
	}
	opened, ok := api2.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || opened.User != "U1" || opened.Tab != "home" {
		t.Fatalf("inner event = %#v", api2.InnerEvent.Data)
	}

	m := fake.AddUserMessage("C1", "U2", "db is on fire")
	if _, err := fake.MessageShortcut(ctx, slacktest.Shortcut{UserID: "U1", ChannelID: "C1", MessageTS: m.TS, CallbackID: "restore_from_message"}); err != nil {
		t.Fatal(err)
	}
	evt = <-events
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok || cb.Type != slack.InteractionTypeMessageAction || cb.CallbackID != "restore_from_message" ||
		cb.Channel.ID != "C1" || cb.Message.Timestamp != m.TS || cb.User.ID != "U1" || cb.TriggerID == "" {
		t.Fatalf("shortcut callback = %#v", cb)
	}
	link, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: m.TS})
	if err != nil || link != fake.Permalink("C1", m.TS) {
		t.Fatalf("permalink = %q, %v", link, err)
	}
	if _, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: "1.000001"}); slackErr(err) != "message_not_found" {
		t.Errorf("permalink of no message: %v", err)
	}
	clock.Add(3*time.Second + time.Millisecond)
	if _, err := api.OpenViewContext(ctx, cb.TriggerID, restoreModal()); slackErr(err) != "expired_trigger_id" {
		t.Errorf("shortcut trigger after 3 s: %v, want expired_trigger_id", err)
	}
}

func TestHomeClickPayload(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	v := homeView(1)
	v.Blocks.BlockSet = append(v.Blocks.BlockSet, slack.NewActionBlock("decision:abc",
		slack.NewButtonBlockElement("approve", "abc|h", plain("Approve"))))
	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: v})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := fake.ActionPayload(slacktest.Action{UserID: "U1", ViewID: resp.View.ID, ActionID: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		t.Fatal(err)
	}
	if cb.View.Type != slack.VTHomeTab || cb.View.ID != resp.View.ID || len(cb.ActionCallback.BlockActions) != 1 ||
		cb.ActionCallback.BlockActions[0].Value != "abc|h" || cb.ActionCallback.BlockActions[0].BlockID != "decision:abc" {
		t.Errorf("home click = %+v", cb)
	}
}
