package slackapp

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/slackview"
)

func TestAdmissionOf(t *testing.T) {
	slash := func(text, trigger string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeSlashCommand, Request: &socketmode.Request{EnvelopeID: "env-1"},
			Data: slack.SlashCommand{UserID: "U1", ChannelID: "C1", ResponseURL: "https://r", TriggerID: trigger, Text: text}}
	}
	click := func(view slack.View, action string) socketmode.Event {
		cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U2"}, View: view}
		cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: action}}
		return socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "env-2"}, Data: cb}
	}
	submit := socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "env-3"},
		Data: slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U3"}, View: slack.View{ID: "V1", Hash: "h1"}}}
	u1 := user{id: "U1", channel: "C1", responseURL: "https://r"}
	sc := func(callback string) socketmode.Event {
		return socketmode.Event{Type: socketmode.EventTypeInteractive, Request: &socketmode.Request{EnvelopeID: "env-4"},
			Data: slack.InteractionCallback{Type: slack.InteractionTypeMessageAction, CallbackID: callback, TriggerID: "T9",
				User: slack.User{ID: "U4"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C4"}}}, ResponseURL: "https://r4"}}
	}
	shortcut, other := sc(ShortcutCallbackID), sc("someone_else")
	homeNew := click(slack.View{ID: "VH", Type: slack.VTHomeTab}, slackview.ActionHomeNew)
	homeNew.Data = func(cb slack.InteractionCallback) slack.InteractionCallback { cb.TriggerID = "T8"; return cb }(homeNew.Data.(slack.InteractionCallback))
	tests := []struct {
		name string
		evt  socketmode.Event
		want admission
	}{
		{"request command", slash("source=a backup=b reason=x", "T1"), admission{lane: laneWork, once: "cmd:T1", count: "U1", reply: u1}},
		{"cancel command", slash("cancel abc234", "T2"), admission{lane: laneDecision, once: "cmd:T2", count: "U1", reply: u1}},
		{"command without trigger", slash("list", ""), admission{lane: laneWork, once: "env:env-1", count: "U1", reply: u1}},
		{"form submission", submit, admission{once: "view:V1:h1", count: "U3", reply: user{id: "U3"}, view: "V1"}},
		{"message shortcut", shortcut, admission{once: "trigger:T9", count: "U4", reply: user{id: "U4", channel: "C4", responseURL: "https://r4"}}},
		{"another app's shortcut", other, admission{}},
		{"New restore in Home", homeNew, admission{once: "trigger:T8", count: "U2", reply: user{id: "U2"}, home: true}},
		{"New restore without a trigger", click(slack.View{ID: "VH", Type: slack.VTHomeTab}, slackview.ActionHomeNew), admission{once: "env:env-2", count: "U2", reply: user{id: "U2"}, home: true}},
		{"approve in a channel", click(slack.View{}, slackview.ActionApprove), admission{lane: laneDecision}},
		{"deny in a channel", click(slack.View{}, slackview.ActionDeny), admission{lane: laneDecision}},
		{"approve in Home", click(slack.View{ID: "VH", Type: slack.VTHomeTab}, slackview.ActionApprove), admission{lane: laneDecision}},
		{"cancel in Home", click(slack.View{ID: "VH", Type: slack.VTHomeTab}, slackview.ActionHomeCancel), admission{lane: laneDecision}},
		{"change in the form", click(slack.View{ID: "VF", Type: slack.VTModal}, slackview.FieldSource), admission{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, admissionOf(tt.evt), cmp.AllowUnexported(admission{}, user{})); diff != "" {
				t.Errorf("admissionOf (-want +got):\n%s", diff)
			}
		})
	}
}
