package main

import (
	"testing"

	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestUnconfirmedDecisionsSaySo: with the replica's stream held back, a
// deny and a freeze are made on the primary but not confirmed by the
// replica in time; people are told, with a warning that a failover could
// undo it. (Review finding 10.)
func TestUnconfirmedDecisionsSaySo(t *testing.T) {
	d := redistest.StartSentinel(t)
	h, _ := topoHarness(t, d.URL())
	h.env["RESTORE_ADMINS"] = admin
	h.start()
	h.slash(requester, h.backupCommand("denied while the replica lags"))
	msg := h.approvalMessage(1)
	d.Proxy.Hold()
	t.Cleanup(d.Proxy.Release)
	h.click(approver, msg, "deny")
	h.threadHas(msg, "Denied by", "could not confirm this with its replicas", "failover now could undo it")
	h.slash(admin, `freeze on "incident 7"`)
	h.ephemeralHas(admin, "froze all restores", "could not confirm this with its replicas")
	d.Proxy.Release()
	h.slash(admin, "freeze off")
	h.ephemeralHas(admin, "lifted the restore freeze")
	if n := countContaining(h.slack.Ephemerals(admin), "lifted the restore freeze", "could not confirm"); n != 0 {
		t.Errorf("the confirmed unfreeze was told with a warning")
	}
}
