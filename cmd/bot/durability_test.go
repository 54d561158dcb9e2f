package main

import (
	"context"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestSingleServerMustKeepAcknowledgedWrites: on a plain redis:// server
// without replicas, the bot starts only where an acknowledged write
// survives the server's crash (appendfsync always, or WAITAOF on 7.2+);
// elsewhere it refuses to start naming what to set, unless
// REDIS_DURABILITY=best_effort accepts the risk (with a warning).
func TestSingleServerMustKeepAcknowledgedWrites(t *testing.T) {
	t.Run("everysec refused", func(t *testing.T) {
		srv := redistest.Start(t, false, "appendonly yes", "appendfsync everysec")
		if p, err := redisconn.ReadPersistence(context.Background(), srv.Client(t)); err != nil || p.WaitAOF {
			t.Skipf("%s, %v: with WAITAOF an everysec server is confirmed per write", p, err)
		}
		h := newHarness(t)
		h.env["REDIS_URL"] = srv.URL()
		delete(h.env, "REDIS_DURABILITY")
		err := h.runOnce()
		for _, want := range []string{"cannot promise", "appendfsync everysec", "appendfsync always", "REDIS_DURABILITY=best_effort"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("start on an everysec server: %v; want an error saying %q", err, want)
			}
		}
		if n := len(h.gauss.Requests()) + len(h.slack.Calls("auth.test")); n != 0 {
			t.Errorf("%d calls to Slack or GaussDB before refusing the store", n)
		}
	})
	t.Run("best effort starts with a warning", func(t *testing.T) {
		srv := redistest.Start(t, false)
		h := newHarness(t)
		h.env["REDIS_URL"] = srv.URL()
		h.start()
		h.waitFor("the warning", func() bool { return strings.Contains(h.logs.String(), "REDIS_DURABILITY=best_effort") })
	})
	t.Run("always: an approval goes through", func(t *testing.T) {
		srv := redistest.Start(t, false, "appendonly yes", "appendfsync always")
		h := newHarness(t)
		h.env["REDIS_URL"] = srv.URL()
		delete(h.env, "REDIS_DURABILITY")
		h.rdb = srv.Client(t)
		h.start()
		h.slash(requester, h.backupCommand("durable single server"))
		msg := h.approvalMessage(1)
		h.click(approver, msg, "approve")
		h.threadHas(msg, "Job ID")
	})
}
