package slacktest_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func restoreModal() slack.ModalViewRequest {
	reason := slack.NewInputBlock("reason", plain("Reason"), nil,
		slack.NewPlainTextInputBlockElement(plain("Why?"), "reason_input"))
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: plain("Restore a database"), Submit: plain("Request"), Close: plain("Cancel"),
		CallbackID: "restore", PrivateMetadata: `{"channel":"C1"}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{reason}},
	}
}

func TestViewsOpenTriggerRules(t *testing.T) {
	clock := newClock()
	fake := newFake(t, slacktest.Options{Now: clock.Now})
	api, ctx := newAPI(fake), testCtx(t)
	tests := []struct {
		name    string
		prepare func(trigger string)
		want    string
	}{
		{"fresh trigger", func(string) {}, ""},
		{"used trigger", func(tr string) {
			if _, err := api.OpenViewContext(ctx, tr, restoreModal()); err != nil {
				t.Fatalf("first open: %v", err)
			}
		}, "exchanged_trigger_id"},
		{"expired trigger", func(string) { clock.Add(3*time.Second + time.Millisecond) }, "expired_trigger_id"},
		{"unknown trigger", nil, "invalid_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trigger := "123.456.abc"
			if tt.prepare != nil {
				trigger = fake.IssueTrigger("U1")
				tt.prepare(trigger)
			}
			resp, err := api.OpenViewContext(ctx, trigger, restoreModal())
			if got := slackErr(err); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
			if tt.want == "" && (!strings.HasPrefix(resp.ID, "V") || resp.Hash == "" || resp.CallbackID != "restore" ||
				resp.State == nil || resp.Title.Text != "Restore a database") {
				t.Errorf("view = %+v", resp.View)
			}
		})
	}
}

func TestViewsOpenRejectsLimits(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	modal := restoreModal()
	modal.Title = plain(strings.Repeat("t", 25))
	_, err := api.OpenViewContext(ctx, fake.IssueTrigger("U1"), modal)
	if slackErr(err) != "invalid_arguments" {
		t.Fatalf("error = %v, want invalid_arguments", err)
	}
	wantViolation(t, fake, "at most 24 characters, got 25 [json-pointer:/view/title/text]")
}

func TestViewsUpdateHashAndExternalID(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	modal := restoreModal()
	modal.ExternalID = "req-1"
	opened, err := api.OpenViewContext(ctx, fake.IssueTrigger("U1"), modal)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, externalID, hash, viewID, want string
	}{
		{"stale hash", "", "1.stale", opened.ID, "hash_conflict"},
		{"current hash", "", opened.Hash, opened.ID, ""},
		{"by external id, no hash", "req-1", "", "", ""},
		{"unknown view", "", "", "V404", "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := api.UpdateViewContext(ctx, modal, tt.externalID, tt.hash, tt.viewID)
			if got := slackErr(err); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
	v, ok := fake.View(opened.ID)
	if !ok || v.Updates != 2 || v.Hash == opened.Hash || !v.Open || v.UserID != "U1" || v.ExternalID != "req-1" {
		t.Errorf("view = %+v, want 2 updates and a new hash", v)
	}
}

// TestInteractionFlow runs the whole chain against slack-go: slash command,
// modal, submission with errors then success, approval message, button
// click, response_url replacement.
func TestInteractionFlow(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	if err := fake.AddUser(slacktest.User{ID: "U2", Name: "bob"}); err != nil {
		t.Fatal(err)
	}
	clicks := make(chan slack.InteractionCallback, 1)
	startBot(t, fake, func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			_ = c.Ack(*evt.Request)
			if _, err := c.OpenView(evt.Data.(slack.SlashCommand).TriggerID, restoreModal()); err != nil {
				t.Errorf("OpenView: %v", err)
			}
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			switch cb.Type {
			case slack.InteractionTypeViewSubmission:
				if cb.View.State.Values["reason"]["reason_input"].Value == "" {
					_ = c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"reason": "Required"}))
					return
				}
				_ = c.Ack(*evt.Request)
				if _, _, err := c.PostMessage("C1", slack.MsgOptionText("approve?", false), slack.MsgOptionBlocks(approvalBlocks()...)); err != nil {
					t.Errorf("PostMessage: %v", err)
				}
			case slack.InteractionTypeBlockActions:
				_ = c.Ack(*evt.Request)
				clicks <- cb
				if _, _, _, err := c.SendMessage("", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("approved by bob", false)); err != nil {
					t.Errorf("response_url: %v", err)
				}
			}
		}
	})
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	if _, err := fake.SlashCommand(ctx, slacktest.Slash{UserID: "U1", ChannelID: "C1"}); err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitFor(ctx, func() bool { return len(fake.Views()) == 1 }); err != nil {
		t.Fatal(err)
	}
	viewID := fake.Views()[0].ID

	empty := map[string]map[string]any{"reason": {"reason_input": map[string]any{"type": "plain_text_input", "value": nil}}}
	ack, err := fake.ViewSubmission(ctx, "U1", viewID, empty)
	if err != nil || !strings.Contains(string(ack.Payload), `"response_action":"errors"`) {
		t.Fatalf("submission ack = %s, %v; want errors", ack.Payload, err)
	}
	if v, _ := fake.View(viewID); !v.Open || v.Errors["reason"] != "Required" {
		t.Errorf("view after errors = %+v, want open with the error", v)
	}

	filled := map[string]map[string]any{"reason": {"reason_input": map[string]any{"type": "plain_text_input", "value": "broken table"}}}
	if _, err := fake.ViewSubmission(ctx, "U1", viewID, filled); err != nil {
		t.Fatal(err)
	}
	if v, _ := fake.View(viewID); v.Open {
		t.Error("view still open after an empty ack")
	}
	if err := fake.WaitFor(ctx, func() bool { return len(fake.Messages("C1")) == 1 }); err != nil {
		t.Fatal(err)
	}
	msg := fake.Messages("C1")[0]

	if _, err := fake.BlockAction(ctx, slacktest.Action{UserID: "U2", ChannelID: "C1", MessageTS: msg.TS, ActionID: "approve"}); err != nil {
		t.Fatal(err)
	}
	cb := <-clicks
	acts := cb.ActionCallback.BlockActions
	if cb.User.ID != "U2" || cb.User.Name != "bob" || cb.Channel.ID != "C1" || cb.Container.MessageTs != msg.TS ||
		cb.Message.Timestamp != msg.TS || len(cb.Message.Blocks.BlockSet) != 2 || cb.TriggerID == "" ||
		len(acts) != 1 || acts[0].ActionID != "approve" || acts[0].BlockID != "decision" || acts[0].Value != "req-1" {
		t.Errorf("block_actions callback = %+v", cb)
	}
	if err := fake.WaitFor(ctx, func() bool { m, _ := fake.Message("C1", msg.TS); return m.Edited == 1 }); err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message("C1", msg.TS); m.Text != "approved by bob" || m.Blocks != nil {
		t.Errorf("message after replace_original = %+v", m)
	}
	wantNoViolations(t, fake)
}

func TestBlockSuggestionOptionLimit(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	startBot(t, fake, func(c *socketmode.Client, evt socketmode.Event) {
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || cb.Type != slack.InteractionTypeBlockSuggestion {
			ackAll(c, evt)
			return
		}
		n := 3
		if cb.Value == "many" {
			n = 101
		}
		opts := make([]*slack.OptionBlockObject, n)
		for i := range opts {
			opts[i] = slack.NewOptionBlockObject("db", plain("db"), nil)
		}
		_ = c.Ack(*evt.Request, slack.OptionsResponse{Options: opts})
	})
	api, ctx := newAPI(fake), testCtx(t)
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain("Pick"), "instance")
	modal := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Pick"), Submit: plain("Go"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewInputBlock("db", plain("DB"), nil, sel)}}}
	v, err := api.OpenViewContext(ctx, fake.IssueTrigger("U1"), modal)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	ack, err := fake.BlockSuggestion(ctx, slacktest.Suggestion{UserID: "U1", ViewID: v.ID, ActionID: "instance", Value: "prod"})
	var opts struct{ Options []json.RawMessage }
	if err != nil || json.Unmarshal(ack.Payload, &opts) != nil || len(opts.Options) != 3 {
		t.Fatalf("ack = %s, %v; want 3 options", ack.Payload, err)
	}
	wantNoViolations(t, fake)
	if _, err := fake.BlockSuggestion(ctx, slacktest.Suggestion{UserID: "U1", ViewID: v.ID, ActionID: "instance", Value: "many"}); err != nil {
		t.Fatal(err)
	}
	wantViolation(t, fake, "at most 100 options, got 101")
}

func TestCloseViewClosesItAndThoseAbove(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api, ctx := newAPI(fake), testCtx(t)
	root, err := api.OpenViewContext(ctx, fake.IssueTrigger("U1"), restoreModal())
	if err != nil {
		t.Fatal(err)
	}
	pushed := restoreModal()
	pushed.CallbackID = "pushed"
	top, err := api.PushViewContext(ctx, fake.IssueTrigger("U1"), pushed)
	if err != nil {
		t.Fatal(err)
	}
	if err := fake.CloseView("U2", root.ID); err == nil {
		t.Error("another user closed U1's modal")
	}
	if err := fake.CloseView("U1", root.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{root.ID, top.ID} {
		if v, _ := fake.View(id); v.Open {
			t.Errorf("view %s still open after its root was closed", id)
		}
	}
	if err := fake.CloseView("U1", root.ID); err == nil {
		t.Error("closing a closed view succeeded")
	}
}
