package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// People who may not request, approve or administer see no instances,
// requests or rules: not through list, status or policy, not through the
// form, and not through the form's instance search.
func TestOutsiderCannotLook(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_REQUESTERS"] = requester
	for i := range 101 { // more than a static select holds: the form searches
		h.gauss.AddInstance(gaussdbtest.Instance{ID: gaussdbtest.NewInstanceID(), Name: fmt.Sprintf("spare-%03d", i), Status: "ACTIVE", Version: "8.0", LowerCaseTableNames: "1"})
	}
	h.start()
	h.slash(requester, h.backupCommand("something to list"))
	id := requestID(t, h.approvalMessage(1))

	for _, cmd := range []string{"list", "status " + id, "policy orders-prod", ""} {
		before := len(h.slack.Ephemerals(outsider))
		h.slash(outsider, cmd)
		h.waitFor("the refusal of "+cmd, func() bool { return len(h.slack.Ephemerals(outsider)) > before })
		got := h.slack.Ephemerals(outsider)[before].Text
		if !containsAll(got, "Only people who may request, approve or administer", "<@"+requester+">", "<@"+approver+">") || strings.Contains(got, id+"`:") {
			t.Errorf("%q by an outsider: %q, want a refusal saying who may", cmd, got)
		}
	}
	for _, v := range h.slack.Views() {
		if v.UserID == outsider {
			t.Errorf("a form was opened for the outsider: %s", v.ID)
		}
	}
	// People who may look still can.
	h.slash(approver, "list")
	h.ephemeralHas(approver, id)

	// The requester's form searches instances; the same search sent as the
	// outsider (a payload Slack itself would never send) lists nothing.
	h.slash(requester, "")
	form := h.openedForm(requester)
	h.viewHas(form.ID, "external_select")
	raw, err := h.slack.SuggestionPayload(slacktest.Suggestion{UserID: requester, ViewID: form.ID, ActionID: "source", Value: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, json.RawMessage(raw))
	if err != nil || !strings.Contains(string(ack.Payload), "orders-prod") {
		t.Fatalf("the requester's search: %s, %v; want orders-prod offered", ack.Payload, err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	p["user"].(map[string]any)["id"] = outsider
	ack, err = h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, p)
	if err != nil || strings.Contains(string(ack.Payload), "orders") {
		t.Fatalf("the outsider's search: %s, %v; want no instances", ack.Payload, err)
	}
}
