package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// TestRestoreToANewInstanceThroughSlack: target=new is checked, shown to
// approvers with everything it creates and its cost, approved, created by
// one create call with the source's settings, followed to ACTIVE, and its
// address and port reach the thread and the requester; no password does.
func TestRestoreToANewInstanceThroughSlack(t *testing.T) {
	h := newHarness(t)
	h.gauss.SetNewInstanceAddress("127.0.0.1", "3306")
	h.start()
	h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q keep=36h", h.source.Name, h.backup.ID, "look at yesterday"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	blocks := blocksText(msg)
	for _, want := range []string{"into a new instance", "costs money every hour", "36h", "gaussdb.mysql.xlarge.x86.4", "cn-north-4a",
		"db-restore-request=" + id, "orders-prod-restore-"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("approval message lacks %q:\n%s", want, blocks)
		}
	}
	h.click(approver, msg, "approve")
	h.threadHas(msg, "GaussDB is creating the new instance")
	ready := h.threadHas(msg, "ACTIVE at private address `127.0.0.1`, port `3306`", "Reset Password")
	calls := h.gauss.CreateCalls()
	if len(calls) != 1 || len(h.restoreCalls()) != 0 {
		t.Fatalf("%d create calls and %d restore calls, want 1 and 0", len(calls), len(h.restoreCalls()))
	}
	body := calls[0].Body
	if body.RestorePoint == nil || body.RestorePoint.SourceInstanceId != h.source.ID || *body.RestorePoint.BackupId != h.backup.ID ||
		body.ChargeInfo.ChargeMode.Value() != "postPaid" {
		t.Errorf("create body restore point %+v, charge %v", body.RestorePoint, body.ChargeInfo)
	}
	if strings.Contains(ready.Text, body.Password) || strings.Contains(h.logs.String(), body.Password) {
		t.Error("the root password reached Slack or the logs")
	}
	h.waitFor("the request completed", func() bool { return h.request(id).State == approvals.StateCompleted })
	h.waitFor("the DM", func() bool { return countContaining(h.slack.DMs(requester), "is ready", "127.0.0.1", id) == 1 })
}

// newInstanceReady requests a restore to a new instance kept for keep,
// approves it and waits until it is ACTIVE; it returns the approval message.
func (h *harness) newInstanceReady(keep string) slacktest.Message {
	h.t.Helper()
	h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q keep=%s", h.source.Name, h.backup.ID, "look", keep))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "ACTIVE at private address")
	return msg
}

// TestNewInstanceReminderKeepAndDeleteNow: an hour before expiry the
// thread is reminded with Keep 24h more and Delete now; Keep moves the
// expiry, Delete now deletes the instance (one delete call), and the
// instance leaves /db-restore instances.
func TestNewInstanceReminderKeepAndDeleteNow(t *testing.T) {
	h := newHarness(t)
	h.start()
	msg := h.newInstanceReady("2h")
	h.slash(requester, "instances")
	h.ephemeralHas(requester, "Instances the bot created", "orders-prod-restore-", "1 of at most 3")
	h.clock.Advance(61 * time.Minute)
	reminder := h.threadHas(msg, "is deleted in", "costs money")
	h.click(outsider, reminder, "ni_keep")
	h.ephemeralHas(outsider, "Only the requester or an approver")
	h.click(requester, reminder, "ni_keep")
	h.threadHas(msg, "kept the new instance")
	h.click(approver, reminder, "ni_delete")
	h.threadHas(msg, "Deleted the new instance", "asked for it")
	if got := h.gauss.DeleteCalls(); len(got) != 1 {
		t.Fatalf("delete calls %v, want one", got)
	}
	h.slash(requester, "instances")
	h.ephemeralHas(requester, "No instance created by the bot is alive")
}

// TestNewInstanceDeletedAtExpiryEvenWhenFrozen: a freeze stops new
// creations but never the deletion at expiry.
func TestNewInstanceDeletedAtExpiryEvenWhenFrozen(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_ADMINS"] = admin
	if err := h.slack.AddUser(slacktestUser(admin)); err != nil {
		t.Fatal(err)
	}
	h.start()
	msg := h.newInstanceReady("1h")
	h.slash(admin, `freeze on "incident"`)
	h.clock.Advance(61 * time.Minute)
	h.threadHas(msg, "Deleted the new instance", "its lifetime ended")
	h.waitFor("the DM", func() bool { return countContaining(h.slack.DMs(requester), "Deleted the new instance") == 1 })
	if got := h.gauss.DeleteCalls(); len(got) != 1 {
		t.Fatalf("delete calls %v, want one", got)
	}
	h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q", h.source.Name, h.backup.ID, "again"))
	h.ephemeralHas(requester, "frozen")
	if n := len(h.gauss.CreateCalls()); n != 1 {
		t.Errorf("%d create calls, want 1 (the freeze stops creation)", n)
	}
}

// TestNewInstanceCreate500ReconciledThroughSlack: a create answered 500
// whose instance did appear is found by its tag, followed to ACTIVE, and
// never sent again.
func TestNewInstanceCreate500ReconciledThroughSlack(t *testing.T) {
	h := newHarness(t)
	h.gauss.FailNextCreate(gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.200001","error_msg":"Internal"}`, StartJob: true})
	h.start()
	msg := h.newInstanceReady("24h")
	h.threadHas(msg, "found by its request tag", "nothing was sent again")
	if n := len(h.gauss.CreateCalls()); n != 1 {
		t.Fatalf("%d create calls, want 1", n)
	}
}

// TestNewInstanceCapAndQuota: RESTORE_MAX_NEW_INSTANCES stops a second
// live instance after approval (no create call); a used-up quota refuses
// the request before it is stored.
func TestNewInstanceCapAndQuota(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_MAX_NEW_INSTANCES"] = "1"
	h.start()
	h.newInstanceReady("24h")
	h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q name=orders-second", h.source.Name, h.backup.ID, "two"))
	second := h.approvalMessage(2)
	h.click(approver, second, "approve")
	h.threadHas(second, "too many instances created by the bot are alive", "RESTORE_MAX_NEW_INSTANCES")
	if n := len(h.gauss.CreateCalls()); n != 1 {
		t.Fatalf("%d create calls, want 1 (the cap)", n)
	}
	h.gauss.SetInstanceQuota(3) // source, target and the new one
	h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q name=orders-third", h.source.Name, h.backup.ID, "three"))
	h.ephemeralHas(requester, "quota is used up")
}

// TestNewInstanceDeleteRefusedWhenRetagged: Delete now on an instance
// whose tags no longer name the request deletes nothing and says why.
func TestNewInstanceDeleteRefusedWhenRetagged(t *testing.T) {
	h := newHarness(t)
	h.start()
	msg := h.newInstanceReady("2h")
	calls := h.gauss.CreateCalls()
	in, _ := h.gauss.Instance(calls[0].InstanceID)
	in.Tags["db-restore-request"] = "someone-else"
	h.gauss.AddInstance(in)
	h.clock.Advance(61 * time.Minute)
	reminder := h.threadHas(msg, "is deleted in")
	h.click(requester, reminder, "ni_delete")
	h.ephemeralHas(requester, "not deleted", "not an instance this bot created for the request")
	h.threadHas(msg, "Deletion refused", "will never delete it")
	h.clock.Advance(time.Hour) // past its expiry: still nothing is deleted, and it is said once
	time.Sleep(300 * time.Millisecond)
	if got := h.gauss.DeleteCalls(); len(got) != 0 {
		t.Fatalf("delete calls %v, want none", got)
	}
	if n := countContaining(h.slack.Thread(msg.Channel, msg.TS), "Deletion refused"); n != 1 {
		t.Errorf("%d refusals in the thread, want 1", n)
	}
}
