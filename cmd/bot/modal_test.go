package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// formCallback is the request form's callback_id.
const formCallback = "restore_request"

// Element states as Slack puts them in view.state.values.
func sel(v string) map[string]any {
	return map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}
}
func radio(v string) map[string]any {
	return map[string]any{"type": "radio_buttons", "selected_option": map[string]any{"value": v}}
}
func text(v string) map[string]any { return map[string]any{"type": "plain_text_input", "value": v} }
func picked(t time.Time) map[string]any {
	return map[string]any{"type": "datetimepicker", "selected_date_time": t.Unix()}
}

type formState map[string]map[string]any // block_id → action_id → element state

// openedForm waits for the user's form to be open and filled.
func (h *harness) openedForm(user string) slacktest.View {
	h.t.Helper()
	var v slacktest.View
	h.waitFor("the request form of "+user, func() bool {
		for _, x := range h.slack.Views() {
			if x.UserID == user && x.Open && x.CallbackID == formCallback {
				v = x
				return true
			}
		}
		return false
	})
	return v
}

// viewHas waits for the view to contain every part (JSON with Go's HTML
// escapes undone).
func (h *harness) viewHas(id string, parts ...string) slacktest.View {
	h.t.Helper()
	var v slacktest.View
	h.waitFor(fmt.Sprintf("view %s with %q", id, parts), func() bool {
		var ok bool
		v, ok = h.slack.View(id)
		return ok && containsAll(unescape(string(v.JSON)), parts...)
	})
	return v
}

func unescape(s string) string {
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(s)
}

// change sends a change inside an open form, as Slack sends it: the
// action, and the view with every field's state at that moment. actField
// is merged into the action (e.g. a datetimepicker's selected_date_time).
func (h *harness) change(user, viewID, actionID, value string, actField map[string]any, state formState) {
	h.t.Helper()
	raw, err := h.slack.ActionPayload(slacktest.Action{UserID: user, ViewID: viewID, ActionID: actionID, Value: value})
	if err != nil {
		h.t.Fatalf("change %s: %v", actionID, err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		h.t.Fatal(err)
	}
	act := p["actions"].([]any)[0].(map[string]any)
	for k, v := range actField {
		act[k] = v
	}
	p["view"].(map[string]any)["state"] = map[string]any{"values": state}
	if _, err := h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, p); err != nil {
		h.t.Fatalf("change %s: %v", actionID, err)
	}
}

// submit submits the form with the given state and returns the ack's payload.
func (h *harness) submit(user, viewID string, state formState) map[string]any {
	h.t.Helper()
	ack, err := h.slack.ViewSubmission(h.ctx(), user, viewID, state)
	if err != nil {
		h.t.Fatalf("submit: %v", err)
	}
	var out map[string]any
	if len(ack.Payload) > 0 {
		if err := json.Unmarshal(ack.Payload, &out); err != nil {
			h.t.Fatalf("submission ack %s: %v", ack.Payload, err)
		}
	}
	return out
}

// approvalsIn counts approval messages posted so far.
func (h *harness) approvalsIn() int { return len(h.slack.Messages(approvals_)) }

func TestModalRequestEndToEnd(t *testing.T) {
	h := newHarness(t)
	// Instances the API would refuse as targets of orders-prod.
	legacy := h.gauss.AddInstance(gaussdbtest.Instance{Name: "legacy-57", Version: "5.7"})
	caseSensitive := h.gauss.AddInstance(gaussdbtest.Instance{Name: "orders-cs", LowerCaseTableNames: "0"})
	h.start()
	src, backup := h.source.ID, h.backup.ID
	backupBlock, targetBlock := "backup."+src, "target."+src

	if ack := h.slash(requester, ""); ack.Payload != nil {
		t.Errorf("the bare command should be acked empty, then open the form: %s", ack.Payload)
	}
	v := h.openedForm(requester)
	if !strings.Contains(string(v.Blocks), "orders-prod") {
		t.Fatalf("the form should list the instances: %s", v.Blocks)
	}

	// Choosing the source (after typing a reason) fills the dependent fields
	// and keeps the reason.
	const reason = "recover rows deleted by job 4412"
	h.change(requester, v.ID, "source", src, nil, formState{
		"source": {"source": sel(src)}, "type": {"type": radio("backup")}, "reason": {"reason": text(reason)},
	})
	v = h.viewHas(v.ID, `"block_id":"`+backupBlock+`"`, `"block_id":"`+targetBlock+`"`, "nightly", `"initial_value":"`+reason+`"`)
	target := blockJSON(t, v, targetBlock)
	if !strings.Contains(target, `"value":"original"`) || !strings.Contains(target, h.target.ID) {
		t.Errorf("target menu should offer the original instance and %s: %s", h.target.Name, target)
	}
	for _, refused := range []gaussdbtest.Instance{legacy, caseSensitive} {
		if strings.Contains(target, refused.ID) {
			t.Errorf("target menu offers %s, which the API refuses: %s", refused.Name, target)
		}
	}

	// Field errors come back in the ack, on the fields.
	ack := h.submit(requester, v.ID, formState{"source": {"source": sel(src)}, "type": {"type": radio("backup")}, "reason": {"reason": text(" ")}})
	errs, _ := ack["errors"].(map[string]any)
	if ack["response_action"] != "errors" || errs[backupBlock] == nil || errs[targetBlock] == nil || errs["reason"] == nil {
		t.Fatalf("submission ack: got %v, want errors on the backup, the target and the reason", ack)
	}
	if cur, _ := h.slack.View(v.ID); !cur.Open || len(cur.Errors) != 3 {
		t.Errorf("the form should stay open showing 3 errors: %+v", cur.Errors)
	}

	valid := formState{
		"source": {"source": sel(src)}, "type": {"type": radio("backup")}, backupBlock: {"backup": sel(backup)},
		targetBlock: {"target": sel(h.target.ID)}, "reason": {"reason": text(reason)},
		"ticket": {"ticket": text("https://tickets.example.com/INC-4412")},
	}
	// GaussDB's own refusal (the target became busy after the form was drawn)
	// brings the form back with the entries and the problem at the target.
	h.gauss.SetInstanceStatus(h.target.ID, "REBOOTING")
	if ack := h.submit(requester, v.ID, valid); ack["response_action"] != "update" {
		t.Fatalf("a valid form should be acked with the checking view: %v", ack)
	}
	v = h.viewHas(v.ID, "Not requested", "REBOOTING", `"callback_id":"`+formCallback+`"`, `"initial_value":"`+reason+`"`)
	if !strings.Contains(blockJSON(t, v, targetBlock), h.target.ID) {
		t.Errorf("the chosen target should be kept: %s", v.Blocks)
	}
	if n := h.approvalsIn(); n != 0 {
		t.Fatalf("a refused form posted %d approval messages", n)
	}

	h.gauss.SetInstanceStatus(h.target.ID, "ACTIVE")
	h.submit(requester, v.ID, valid)
	v = h.viewHas(v.ID, "waiting for approval", "<#"+approvals_+">")
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	if !strings.Contains(string(v.JSON), id) {
		t.Errorf("the form should end with the request ID %s: %s", id, v.Blocks)
	}
	if !strings.Contains(blocksText(msg), "https://tickets.example.com/INC-4412") {
		t.Errorf("the approval message should show the ticket: %s", msg.Blocks)
	}

	// The same request typed gives the same approval message.
	h.slash(requester, h.backupCommand(reason)+` ticket="https://tickets.example.com/INC-4412"`)
	typed := h.approvalMessage(2)
	if got, want := normalizeApproval(msg, id), normalizeApproval(typed, requestID(t, typed)); got != want {
		t.Errorf("the form's approval message differs from the typed one:\nform:  %s\ntyped: %s", got, want)
	}

	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	calls := h.restoreCalls()
	want := restore.Call{SourceID: src, TargetID: h.target.ID, Type: "backup", BackupID: backup}
	if len(calls) != 1 || calls[0].Call != want {
		t.Fatalf("restore calls: got %+v, want exactly one %+v", calls, want)
	}
	r, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Ticket != "https://tickets.example.com/INC-4412" || r.Reason != reason || r.Requester != requester {
		t.Errorf("stored request: %+v", r)
	}
}

// TestModalPointInTimeAcrossZones: two requesters, in UTC+8 and in New
// York, pick the same wall-clock time. In New York it lies before the end
// of daylight saving while now is after it, so its offset is not today's.
// The restore_time sent is the instant each of them meant.
func TestModalPointInTimeAcrossZones(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC) // New York is on EST since 2026-11-01
	h.clock.Advance(now.Sub(h.clock.Now()))
	h.gauss.SetRestoreWindows(h.source.ID, restore.Window{Start: now.Add(-10 * 24 * time.Hour), End: now.Add(-time.Hour)})
	h.start()
	src := h.source.ID

	cases := []struct {
		user, zone, abbr string
		target           string // block value
		confirm          string
	}{
		{requester, "Asia/Shanghai", "CST", h.target.ID, ""},
		{nyUser, "America/New_York", "EDT", "original", h.source.Name},
	}
	var wants []restore.Call
	for i, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		// The Slack client turns the wall clock picked in the user's zone
		// into Unix seconds.
		wall := time.Date(2026, 10, 31, 9, 30, 0, 0, loc)

		h.slash(c.user, "")
		v := h.openedForm(c.user)
		base := formState{"source": {"source": sel(src)}, "type": {"type": radio("timestamp")}}
		h.change(c.user, v.ID, "source", src, nil, formState{"source": {"source": sel(src)}})
		h.viewHas(v.ID, `"block_id":"target.`+src+`"`)
		h.change(c.user, v.ID, "type", "timestamp", nil, base)
		h.viewHas(v.ID, `"type":"datetimepicker"`, "Restorable (your time zone, "+c.zone+")")
		h.change(c.user, v.ID, "time", "", map[string]any{"selected_date_time": wall.Unix()},
			formState{"source": {"source": sel(src)}, "type": {"type": radio("timestamp")}, "time": {"time": picked(wall)}})
		echo := []string{
			wall.UTC().Format("2006-01-02 15:04:05 UTC"),
			"2026-10-31 09:30:00 " + c.abbr + " (" + c.zone + ")",
			fmt.Sprintf("`%d` ms", wall.UnixMilli()),
		}
		h.viewHas(v.ID, echo...)

		state := formState{
			"source": {"source": sel(src)}, "type": {"type": radio("timestamp")}, "time": {"time": picked(wall)},
			"target." + src: {"target": sel(c.target)}, "reason": {"reason": text("undo the 09:30 migration")},
		}
		if c.target == "original" {
			h.change(c.user, v.ID, "target", "original", nil, state)
			h.viewHas(v.ID, `"block_id":"confirm.`+src+`"`, "overwrites the current data")
			state["confirm."+src] = map[string]any{"confirm": text(c.confirm)}
		}
		h.submit(c.user, v.ID, state)
		h.viewHas(v.ID, "waiting for approval")
		msg := h.approvalMessage(i + 1)
		if !containsAll(blocksText(msg), echo...) {
			t.Errorf("%s: the approval message should show %q: %s", c.zone, echo, msg.Blocks)
		}
		target := c.target
		if target == "original" {
			target = src
		}
		wants = append(wants, restore.Call{SourceID: src, TargetID: target, Type: "timestamp", RestoreTimeMs: wall.UnixMilli()})
	}
	if wants[0].RestoreTimeMs-wants[1].RestoreTimeMs != -12*time.Hour.Milliseconds() {
		t.Fatalf("test premise: 09:30 in Shanghai is 12 hours before 09:30 EDT in New York")
	}
	var ids []string
	for i := range cases {
		msg := h.approvalMessage(i + 1)
		ids = append(ids, requestID(t, msg))
		h.click(approver, msg, "approve")
		h.threadHas(msg, "Job ID")
	}
	calls := h.restoreCalls()
	if len(calls) != 2 {
		t.Fatalf("restore calls: got %d, want 2", len(calls))
	}
	for i, want := range wants {
		if calls[i].Call != want {
			t.Errorf("%s: restore call %+v, want %+v", cases[i].zone, calls[i].Call, want)
		}
	}
	for i := range cases {
		r, err := h.store().Get(h.ctx(), ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if r.RequesterTZ != cases[i].zone || r.Params.Type != approvals.TypeTimestamp {
			t.Errorf("stored request %d: zone %q type %s", i, r.RequesterTZ, r.Params.Type)
		}
	}
}

// blockJSON is the JSON of one block of a view, by block_id.
func blockJSON(t *testing.T, v slacktest.View, blockID string) string {
	t.Helper()
	var blocks []map[string]any
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b["block_id"] == blockID {
			raw, _ := json.Marshal(b)
			return unescape(string(raw))
		}
	}
	t.Fatalf("no block %s in %s", blockID, v.Blocks)
	return ""
}

var expiresRE = regexp.MustCompile(`expires \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC`)

// normalizeApproval is an approval message's blocks without what differs
// between two requests with the same parameters: the ID and the expiry.
func normalizeApproval(m slacktest.Message, id string) string {
	s := strings.ReplaceAll(blocksText(m), id, "ID")
	return expiresRE.ReplaceAllString(s, "expires T")
}
