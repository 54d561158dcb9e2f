package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Review finding 1: a rule of 3 from a user group. A approves, then leaves
// the group; B and C click together, and both read one approval while
// Slack is slow to list the group. The click that would reach the
// threshold re-checks everyone afresh, drops A and does not reach it: no
// restore call until a third current member approves.
func TestOverlappingClicksAtTheThresholdRecheckEveryone(t *testing.T) {
	h := newHarness(t)
	a, b, c, d := groupMate, approver, approver2, nyUser
	h.slack.SetUserGroup(dbaGroup, a, b, c, d)
	h.withPolicy(t, fmt.Sprintf(`default:
  approvers: [%s]
rules:
  - name: three-dbas
    match: {name: "orders-restore*"}
    approvers: [%s]
    required_approvals: 3
`, approver, dbaGroup))
	h.start()
	h.slash(requester, h.backupCommand("three of the DBAs"))
	msg := h.approvalMessage(1)
	h.click(a, msg, "approve")
	h.threadHas(msg, "Approved by <@"+a+"> (1 of 3)")
	time.Sleep(100 * time.Millisecond) // the Home tabs' group expansion reads the cached list

	h.slack.SetUserGroup(dbaGroup, b, c, d) // A leaves the DBAs
	h.clock.Advance(time.Minute)            // the cached group list is stale: both clicks read it from Slack
	release := h.slack.Hold("usergroups.users.list")
	h.click(b, msg, "approve")
	h.click(c, msg, "approve")
	h.waitFor("both clicks waiting on usergroups.users.list", func() bool { return h.slack.Held("usergroups.users.list") >= 2 })
	time.Sleep(100 * time.Millisecond)
	release()

	h.threadHas(msg, "Approval by <@"+a+"> dropped")
	h.waitFor("two approvals by current members", func() bool {
		r, err := h.store().Get(context.Background(), requestID(t, msg))
		return err == nil && len(r.Approvals) == 2
	})
	time.Sleep(200 * time.Millisecond)
	if s := h.requestState(t, msg); s != "pending" || len(h.restoreCalls()) != 0 {
		t.Fatalf("after overlapping clicks with a removed approver counted: state %s, %d restore calls; want pending and none", s, len(h.restoreCalls()))
	}

	h.click(d, msg, "approve")
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d, want 1", n)
	}
}

// Review finding 8: a replica whose first policy claim fails for another
// reason than a mismatch is not ready, takes no request and says why;
// once a claim succeeds it works.
func TestPolicyGuardFailsClosedAtStart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.rdb.Set(ctx, h.prefix+"policy", "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	h.env["HEALTH_ADDR"] = addr
	h.start()
	h.waitFor("not ready", func() bool {
		code, body := get(t, "http://"+addr+"/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "not been confirmed") && strings.Contains(body, "WRONGTYPE")
	})
	h.slash(requester, h.backupCommand("before the claim"))
	h.ephemeralHas(requester, "could not confirm which approval rules are in force", "WRONGTYPE")
	if n := len(h.slack.Messages(approvals_)); n != 0 {
		t.Fatalf("%d approval messages posted before the policy was confirmed", n)
	}

	h.rdb.Del(ctx, h.prefix+"policy")
	h.waitFor("ready once a claim succeeds", func() bool {
		code, _ := get(t, "http://"+addr+"/readyz")
		return code == http.StatusOK
	})
	h.slash(requester, h.backupCommand("after the claim"))
	h.approvalMessage(1)
}

// Review finding 9: RESTORE_BREAK_GLASS, RESTORE_ADMINS and RESTORE_DRY_RUN
// are part of what replicas agree on. A second replica started with
// RESTORE_DRY_RUN set is not ready, names the setting, and counts no click.
func TestReplicaWithOtherSettingsRefusesClicks(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	h.start()
	h.slash(requester, h.backupCommand("two replicas, two settings"))
	msg := h.approvalMessage(1)

	h.env["RESTORE_DRY_RUN"] = "true"
	addr := freeAddr(t)
	h.env["HEALTH_ADDR"] = addr
	h.start()
	h.waitFor("second replica not ready, naming the setting", func() bool {
		code, body := get(t, "http://"+addr+"/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "settings differ in RESTORE_DRY_RUN")
	})
	// Slack spreads envelopes over the two links: one of the two clicks
	// reaches each replica.
	h.click(approver, msg, "approve")
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "other approval rules", "settings differ in RESTORE_DRY_RUN")
	h.threadHas(msg, "Approved by <@"+approver+"> (1 of 2)")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: %d", n)
	}
}

// Review finding 11: the form, its submission, the message shortcut and
// the Home tab's New restore count towards the per-user limit like slash
// commands; past it each is refused where the person asked.
func TestEveryWayToAskCountsTowardsTheLimit(t *testing.T) {
	h := newHarness(t)
	h.fastHome()
	h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "3"
	h.start()
	alert := h.slack.AddUserMessage(opsChannel, "UALERT01", "orders-prod: rows deleted")
	shortcut := func() {
		t.Helper()
		if _, err := h.slack.MessageShortcut(h.ctx(), slacktest.Shortcut{UserID: requester, ChannelID: opsChannel, MessageTS: alert.TS, CallbackID: "restore_from_message"}); err != nil {
			t.Fatal(err)
		}
	}
	h.openHome(requester, "New restore") // opening the tab is not a command
	shortcut()                           // 1: the form, from a message
	first := h.openedForm(requester)
	h.slash(requester, "list") // 2
	h.ephemeralHas(requester, "No restore requests")
	h.slash(requester, "") // 3: the form again, replacing the first
	var form slacktest.View
	h.waitFor("the second form", func() bool {
		form = h.openedForm(requester)
		return form.ID != first.ID
	})

	src, backupBlock, targetBlock := h.source.ID, "backup."+h.source.ID, "target."+h.source.ID
	h.change(requester, form.ID, "source", src, nil, formState{"source": {"source": sel(src)}, "type": {"type": radio("backup")}})
	form = h.viewHas(form.ID, `"block_id":"`+backupBlock+`"`)
	ack := h.submit(requester, form.ID, formState{
		"source": {"source": sel(src)}, "type": {"type": radio("backup")}, backupBlock: {"backup": sel(h.backup.ID)},
		targetBlock: {"target": sel(h.target.ID)}, "reason": {"reason": text("over the limit")},
	})
	if ack["response_action"] != "errors" || !strings.Contains(fmt.Sprint(ack["errors"]), "Too many commands") {
		t.Errorf("a form submitted over the limit: ack %v; want the form kept open with the refusal", ack)
	}
	shortcut()
	h.ephemeralHas(requester, "Too many commands", "try again in")
	h.homeClick(requester, "home_new_restore", "new")
	h.homeHas(requester, "Too many commands")
	if n := h.approvalsIn(); n != 0 {
		t.Fatalf("%d approval messages posted over the limit", n)
	}
}

// Review finding 11: the answer to a Home tab click survives a failed
// views.publish: it is shown by the next publish.
func TestHomeNoticeSurvivesAFailedPublish(t *testing.T) {
	h := newHarness(t)
	h.fastHome()
	h.start()
	h.slash(requester, h.backupCommand("notice"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.openHome(groupMate, `"block_id":"decision:`+id+`"`)
	time.Sleep(300 * time.Millisecond) // the publishes the request caused are done

	h.clock.Advance(time.Minute) // the group list is read from Slack again, and that fails
	h.slack.FailNext("usergroups.users.list", "internal_error")
	h.slack.FailNext("views.publish", "internal_error")
	h.homeClick(groupMate, "approve", "decision:"+id)
	h.homeHas(groupMate, "Your click was not counted", "user groups")
	if s := h.requestState(t, msg); s != "pending" {
		t.Fatalf("state %s after a click that could not be checked", s)
	}
	failed := 0
	for _, c := range h.slack.Calls("views.publish") {
		if c.Error != "" {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d failed views.publish calls, want the one injected", failed)
	}
}
