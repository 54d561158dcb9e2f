package main

import (
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestUnconfirmedApprovalWaitsInTheThread: the replica lags when the
// threshold click comes, so the store cannot confirm the approval. The
// request is not ended at once: the thread says it waits for the
// confirmation; once the replica catches up the restore goes ahead, once.
// With the replica still lagging when the bound passes, it ends not called.
func TestUnconfirmedApprovalWaitsInTheThread(t *testing.T) {
	for _, tt := range []struct {
		name      string
		catchUp   bool
		want      string
		wantPOSTs int32
	}{
		{"the replica catches up", true, jobPosted, 1},
		{"the bound passes", false, notCalled, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := redistest.StartSentinel(t)
			h, _ := topoHarness(t, d.URL())
			h.env["REDIS_CONFIRM_WITHIN"] = "3s"
			posts := countPOSTs(h, nil)
			h.start()
			h.slash(requester, h.backupCommand("unconfirmed at first"))
			msg := h.approvalMessage(1)
			d.Proxy.Hold()
			h.click(approver, msg, "approve")
			h.threadHas(msg, "has not yet confirmed the approval", "up to 3s")
			if n := posts.Load(); n != 0 {
				t.Fatalf("restore POSTs before the confirmation: %d, want 0", n)
			}
			start := time.Now()
			if tt.catchUp {
				d.Proxy.Release()
			} else {
				t.Cleanup(d.Proxy.Release)
			}
			outcome(h, msg, tt.want)
			if n := posts.Load(); n != tt.wantPOSTs {
				t.Errorf("restore POSTs: %d, want %d", n, tt.wantPOSTs)
			}
			t.Logf("%s %s after the wait began", tt.want, time.Since(start).Round(time.Millisecond))
		})
	}
}
