package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

func TestJobFollowedToCompletion(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("follow me"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore completed")
	h.waitFor("message shows completion", func() bool {
		return strings.Contains(blocksText(h.current(msg)), "restore completed") && strings.Contains(blocksText(h.current(msg)), "took")
	})
	h.channelHas(incidents, "completed", id)
	h.waitFor("DM to the requester", func() bool {
		return countContaining(h.slack.DMs(requester), "completed", id) == 1
	})
	// Let the follower run a few more rounds: the outcome is reported once.
	time.Sleep(400 * time.Millisecond)
	if n := countContaining(h.slack.Thread(msg.Channel, msg.TS), "Restore completed"); n != 1 {
		t.Errorf("completion posted %d times in the thread, want 1", n)
	}
	if n := countContaining(h.slack.Messages(incidents), "completed", id); n != 1 {
		t.Errorf("completion posted %d times in the incident channel, want 1", n)
	}
	got, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approvals.StateCompleted {
		t.Errorf("state: got %s, want completed", got.State)
	}
	hist, _ := h.store().History(h.ctx(), id)
	var progress bool
	for _, e := range hist {
		if e.Action == "progress" {
			progress = true
		}
	}
	if !progress {
		t.Errorf("the job's progress should be in the history: %+v", hist)
	}
	h.slash(requester, "status "+id)
	h.ephemeralHas(requester, "progress", "completed")
}

func TestJobFailureReported(t *testing.T) {
	h := newHarness(t)
	h.gauss.SetRestoreJobFailure("disk full on target")
	h.start()
	h.slash(requester, h.backupCommand("will fail"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore job failed", "disk full on target")
	h.channelHas(incidents, "failed", id)
	h.waitFor("DM to the requester", func() bool { return countContaining(h.slack.DMs(requester), "failed", id) == 1 })
}

func TestFollowerTakeoverWhenReplicaDies(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_JOB_POLL_INTERVAL"] = "200ms"
	a := h.start()
	h.slash(requester, h.backupCommand("takeover"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	a.stop(t) // the only follower goes away mid-job (its lease is released or lapses)

	h.start()
	h.threadHas(msg, "Restore completed")
	h.channelHas(incidents, "completed", id)
	time.Sleep(400 * time.Millisecond)
	if n := countContaining(h.slack.Messages(incidents), "completed", id); n != 1 {
		t.Errorf("completion reported %d times, want 1", n)
	}
}

func TestTwoReplicasFollowEachJobOnce(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_MAX_OPEN_PER_USER"] = "4" // four restores of one requester run at once
	h.start()
	h.start()
	var msgs []string
	for i := 0; i < 4; i++ {
		// One target each: a target is RESTORING, and refused, while its restore runs.
		tgt := h.gauss.AddInstance(gaussdbtest.Instance{ID: gaussdbtest.NewInstanceID(), Name: fmt.Sprintf("scratch-%d", i), Status: "ACTIVE", Version: "8.0", LowerCaseTableNames: "1"})
		h.slash(requester, fmt.Sprintf("source=%s target=%s backup=%s reason=pair", h.source.ID, tgt.Name, h.backup.ID))
		m := h.approvalMessage(i + 1)
		h.click(approver, m, "approve")
		msgs = append(msgs, m.TS)
	}
	for _, ts := range msgs {
		m, _ := h.slack.Message(approvals_, ts)
		h.threadHas(m, "Restore completed")
	}
	time.Sleep(300 * time.Millisecond)
	for _, ts := range msgs {
		if n := countContaining(h.slack.Thread(approvals_, ts), "Restore completed"); n != 1 {
			t.Errorf("message %s: completion posted %d times", ts, n)
		}
	}
	if n := len(h.restoreCalls()); n != 4 {
		t.Errorf("restore calls: got %d, want 4", n)
	}
}

func TestReminderOnceThenExpiry(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("remind them"))
	msg := h.approvalMessage(1)
	h.clock.Advance(11 * time.Minute)
	reminder := h.threadHas(msg, "still waiting")
	for _, want := range []string{"<@" + approver + ">", "<!subteam^" + dbaGroup + ">"} {
		if !strings.Contains(reminder.Text, want) {
			t.Errorf("reminder should mention %s: %q", want, reminder.Text)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if n := countContaining(h.slack.Thread(msg.Channel, msg.TS), "still waiting"); n != 1 {
		t.Errorf("reminders: got %d, want 1", n)
	}
	h.clock.Advance(20 * time.Minute)
	h.threadHas(msg, "Expired")
	h.waitFor("DM about expiry", func() bool { return countContaining(h.slack.DMs(requester), "expired") == 1 })
}

func TestLongJobWarnsOnce(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_JOB_TIMEOUT"] = "1h"
	h.gauss.SetRestoreJobPolls(1 << 20) // never finishes during the test
	h.start()
	h.slash(requester, h.backupCommand("long job"))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	h.clock.Advance(2 * time.Hour)
	h.threadHas(msg, "still running after")
	h.channelHas(incidents, "still running")
	time.Sleep(400 * time.Millisecond)
	if n := countContaining(h.slack.Thread(msg.Channel, msg.TS), "still running after"); n != 1 {
		t.Errorf("warnings: got %d, want 1", n)
	}
}

func TestFollowerTakeoverAfterCrash(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_JOB_POLL_INTERVAL"] = "200ms" // lease time max(3×poll, 2 s) = 2 s
	h.gauss.SetRestoreJobPolls(5)                // still running when the follower dies
	a := h.start()
	h.slash(requester, h.backupCommand("crash the follower"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	a.stop(t)
	// A crashed follower releases nothing: its lease stays until it lapses.
	dead := h.store(approvals.WithOwner("dead-replica"))
	if ok, err := dead.TakeLease(context.Background(), "follow:"+id, 2*time.Second); err != nil || !ok {
		t.Fatalf("simulate the dead follower's lease: %v %v", ok, err)
	}
	crashed := time.Now()

	h.start()
	h.threadHas(msg, "Restore completed")
	took := time.Since(crashed)
	if took < 2*time.Second {
		t.Errorf("the job was taken over after %s, before the dead follower's 2 s lease lapsed", took)
	}
	if took > 6*time.Second {
		t.Errorf("the job was taken over only after %s; the lease is 2 s", took)
	}
}
