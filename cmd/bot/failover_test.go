package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// The fault tests below run the whole bot against real Redis deployments
// (redistest: redis-server processes on loopback) and kill the primary
// under it. Whatever happens, a request gets at most one restore POST, and
// the bot is ready and answering clicks and commands within 5 s of the
// promotion.

// recoveryLimit is how soon after a promotion the bot must work again.
const recoveryLimit = 5 * time.Second

// topoHarness is a harness whose bot and own store use the deployment at
// url, with readiness served on a loopback port.
func topoHarness(t *testing.T, url string) (*harness, string) {
	t.Helper()
	h := newHarness(t)
	o, err := redisconn.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := o.NewClient()
	t.Cleanup(func() { _ = c.Close() })
	h.rdb = c
	h.env["REDIS_URL"] = url
	h.env["REDIS_WAIT_TIMEOUT"] = "500ms" // where a replica lags, the wait times out
	// These tests see an unconfirmed approval ended at once, as before the
	// wait for the confirmation (confirm_test.go tests that wait).
	h.env["REDIS_CONFIRM_WITHIN"] = "0s"
	h.env["RESTORE_MAX_OPEN_PER_USER"] = "0"
	h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "0"
	addr := freeAddr(t)
	h.env["HEALTH_ADDR"] = addr
	return h, "http://" + addr
}

// countPOSTs counts the restore POSTs GaussDB receives, as they arrive;
// onPOST, when set, runs on each and may delay its answer.
func countPOSTs(h *harness, onPOST func() gaussdbtest.Response) *atomic.Int32 {
	var n atomic.Int32
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		n.Add(1)
		if onPOST != nil {
			return onPOST()
		}
		return gaussdbtest.Response{}
	})
	return &n
}

// recovered waits until the bot is ready (/readyz) and a command that
// writes to Redis works (a new request is posted for approval), and
// returns how long after promoted that was.
func recovered(t *testing.T, h *harness, base string, promoted time.Time) time.Duration {
	t.Helper()
	deadline := promoted.Add(30 * time.Second)
	var ready time.Duration
	for ready == 0 {
		if code, _ := get(t, base+"/readyz"); code == 200 {
			ready = time.Since(promoted)
		} else if time.Now().After(deadline) {
			t.Fatalf("not ready 30s after the promotion")
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	h.gauss.SetInstanceStatus(h.target.ID, "ACTIVE") // after an earlier restore
	before := len(h.slack.Messages(approvals_))
	refusedBefore := countContaining(h.slack.Ephemerals(requester), "could not be stored")
	for i := 0; ; i++ {
		h.slash(requester, h.backupCommand("probe after the failover"))
		answered := time.Now().Add(3 * time.Second)
		for time.Now().Before(answered) {
			if len(h.slack.Messages(approvals_)) > before {
				took := time.Since(promoted)
				t.Logf("after the promotion: ready in %s, a command worked in %s", ready.Round(time.Millisecond), took.Round(time.Millisecond))
				return max(ready, took)
			}
			if n := countContaining(h.slack.Ephemerals(requester), "could not be stored"); n > refusedBefore {
				refusedBefore = n
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no command worked within 30s of the promotion")
		}
	}
}

// approveValue is the value of msg's Approve button, for clicks on a
// message whose buttons are gone (a client that has not seen the update).
func approveValue(t *testing.T, h *harness, msg slacktest.Message) string {
	t.Helper()
	id := requestID(t, msg)
	r, err := h.store().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return id + "|" + r.ParamHash
}

// clickAcross sends user's click on msg (whose buttons may be gone) after
// a failover and waits until it has been answered: an ephemeral reply, or a
// new reply in the thread. The target is ACTIVE again first, as after a
// finished restore, so that only the store can stop a second restore.
func clickAcross(t *testing.T, h *harness, user string, msg slacktest.Message, value string) {
	t.Helper()
	h.gauss.SetInstanceStatus(h.target.ID, "ACTIVE")
	thread, eph := len(h.slack.Thread(msg.Channel, msg.TS)), len(h.slack.Ephemerals(user))
	h.staleClick(user, msg, "approve", value)
	h.waitFor("the click after the failover answered", func() bool {
		return len(h.slack.Thread(msg.Channel, msg.TS)) > thread || len(h.slack.Ephemerals(user)) > eph
	})
	time.Sleep(300 * time.Millisecond) // let a restore call, if any, arrive
}

// outcome waits until the click on m has been answered in its thread by
// any of the given phrases, and returns that reply.
func outcome(h *harness, m slacktest.Message, phrases ...string) string {
	h.t.Helper()
	var text string
	h.waitFor("the click's outcome in the thread", func() bool {
		for _, r := range h.slack.Thread(m.Channel, m.TS) {
			for _, p := range phrases {
				if strings.Contains(r.Text, p) {
					text = r.Text
					return true
				}
			}
		}
		return false
	})
	return text
}

const (
	notCalled = "Restore not called"
	jobPosted = "Job ID"
)

func TestSentinelFailoverNeverRestoresTwice(t *testing.T) {
	t.Run("threshold click while the replica lags", func(t *testing.T) {
		// Issue 9, Why 1: the approval reaches the primary only; the
		// primary dies; the promoted replica has the request pending.
		d := redistest.StartSentinel(t)
		h, base := topoHarness(t, d.URL())
		posts := countPOSTs(h, nil)
		h.start()
		h.slash(requester, h.backupCommand("lagging replica"))
		msg := h.approvalMessage(1)
		value := approveValue(t, h, msg)

		d.Proxy.Hold()
		h.click(approver, msg, "approve")
		outcome(h, msg, notCalled, jobPosted)
		promoted := d.Failover(t)

		clickAcross(t, h, approver2, msg, value) // the same message, after the failover
		if took := recovered(t, h, base, promoted); took > recoveryLimit {
			t.Errorf("the bot worked again %s after the promotion; want within %s", took, recoveryLimit)
		}
		if n := posts.Load(); n > 1 {
			t.Fatalf("restore POSTs for one request: %d, want at most 1", n)
		}
	})

	t.Run("two approvers of a 2-of-N rule across the failover", func(t *testing.T) {
		d := redistest.StartSentinel(t)
		h, base := topoHarness(t, d.URL())
		h.withPolicy(t, twoDBAs())
		posts := countPOSTs(h, nil)
		h.start()
		h.slash(requester, h.backupCommand("two across the failover"))
		msg := h.approvalMessage(1)
		value := approveValue(t, h, msg)
		h.click(approver, msg, "approve")
		h.threadHas(msg, "(1 of 2)") // replicated: the replica is in sync

		d.Proxy.Hold()
		h.click(approver2, msg, "approve") // the threshold, on the primary only
		outcome(h, msg, notCalled, jobPosted)
		promoted := d.Failover(t)

		clickAcross(t, h, approver2, msg, value) // again, on the promoted replica
		if took := recovered(t, h, base, promoted); took > recoveryLimit {
			t.Errorf("the bot worked again %s after the promotion; want within %s", took, recoveryLimit)
		}
		if n := posts.Load(); n > 1 {
			t.Fatalf("restore POSTs for one request: %d, want at most 1", n)
		}
	})

	t.Run("failover while the approval is being confirmed", func(t *testing.T) {
		d := redistest.StartSentinel(t)
		h, base := topoHarness(t, d.URL())
		h.env["REDIS_WAIT_TIMEOUT"] = "2s"
		posts := countPOSTs(h, nil)
		h.start()
		h.slash(requester, h.backupCommand("failover while confirming"))
		msg := h.approvalMessage(1)
		id := requestID(t, msg)
		value := approveValue(t, h, msg)

		d.Proxy.Hold()
		h.click(approver, msg, "approve")
		primary := approvals.NewStore(d.Primary.Client(t), h.prefix, time.Now)
		h.waitFor("the approval written on the primary", func() bool {
			r, err := primary.Get(context.Background(), id)
			return err == nil && r.State != approvals.StatePending
		})
		promoted := d.Failover(t) // the bot is inside WAIT now

		clickAcross(t, h, approver2, msg, value)
		if took := recovered(t, h, base, promoted); took > recoveryLimit {
			t.Errorf("the bot worked again %s after the promotion; want within %s", took, recoveryLimit)
		}
		if n := posts.Load(); n > 1 {
			t.Fatalf("restore POSTs for one request: %d, want at most 1", n)
		}
	})

	t.Run("failover while the restore POST is in flight", func(t *testing.T) {
		d := redistest.StartSentinel(t)
		h, base := topoHarness(t, d.URL())
		h.env["REDIS_WAIT_TIMEOUT"] = "5s" // the replica is in sync: a loaded machine must not time out
		inFlight := make(chan struct{}, 1)
		posts := countPOSTs(h, func() gaussdbtest.Response {
			d.Proxy.Hold() // what the bot writes from now on lags
			inFlight <- struct{}{}
			return gaussdbtest.Response{Delay: 3 * time.Second}
		})
		h.start()
		h.slash(requester, h.backupCommand("failover mid-POST"))
		msg := h.approvalMessage(1)
		value := approveValue(t, h, msg)

		h.click(approver, msg, "approve")
		select {
		case <-inFlight:
		case <-time.After(15 * time.Second):
			t.Fatal("no restore POST")
		}
		promoted := d.Failover(t)
		clickAcross(t, h, approver2, msg, value) // refused: the request is no longer pending
		if took := recovered(t, h, base, promoted); took > recoveryLimit {
			t.Errorf("the bot worked again %s after the promotion; want within %s", took, recoveryLimit)
		}
		outcome(h, msg, jobPosted, "outcome unknown", "Outcome unknown")
		if n := posts.Load(); n != 1 {
			t.Fatalf("restore POSTs: %d, want exactly 1", n)
		}
	})
}

func TestClusterFailoverRecoversInSeconds(t *testing.T) {
	c := redistest.StartCluster(t)
	h, base := topoHarness(t, c.URL())
	h.env["REDIS_WAIT_TIMEOUT"] = "3s" // the replicas are in sync: a loaded machine must not time out
	posts := countPOSTs(h, nil)
	h.start()
	h.slash(requester, h.backupCommand("cluster before the failover"))
	first := h.approvalMessage(1)
	value := approveValue(t, h, first)
	h.click(approver, first, "approve")
	outcome(h, first, jobPosted) // replicas in sync: confirmed, restored once

	h.gauss.SetInstanceStatus(h.target.ID, "ACTIVE")
	h.slash(requester, h.backupCommand("pending across the failover"))
	pending := h.approvalMessage(2)
	owner := c.Owner(t, h.prefix+"req:x")
	promoted := c.Failover(t, owner)
	took := recovered(t, h, base, promoted)
	if took > recoveryLimit {
		t.Errorf("the bot worked again %s after the promotion; want within %s", took, recoveryLimit)
	}

	// A click on the request made before the failover is answered, and,
	// the new primary having no replica yet, not acted on.
	clicked := time.Now()
	h.click(approver, pending, "approve")
	outcome(h, pending, notCalled)
	t.Logf("a click after the failover was answered in %s", time.Since(clicked).Round(time.Millisecond))
	clickAcross(t, h, approver2, first, value) // the first, across the failover
	if n := posts.Load(); n != 1 {
		t.Fatalf("restore POSTs: %d, want exactly 1 (the first request's)", n)
	}
}
