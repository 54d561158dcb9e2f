package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
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
