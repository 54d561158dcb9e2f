package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// TestOneRestoreAtATimeAcrossReplicas: two requests onto one instance are
// approved at the same moment, the clicks landing on two bot replicas.
// One restore call goes out; the other request waits, saying which request
// is restoring the instance, and is called only after that job has ended.
func TestOneRestoreAtATimeAcrossReplicas(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_MAX_OPEN_PER_USER"] = "0"
	h.gauss.SetRestoreJobPolls(15) // the first job runs about 1.5s
	h.start()
	h.start()
	h.slash(requester, h.backupCommand("first onto the target"))
	h.slash(requester, h.backupCommand("second onto the target"))
	msgs := []slacktest.Message{h.approvalMessage(1), h.approvalMessage(2)}
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		go func() { defer wg.Done(); h.click(approver, m, "approve") }()
	}
	wg.Wait()
	var first, second slacktest.Message
	h.waitFor("one restore submitted, one waiting", func() bool {
		for i, m := range msgs {
			if threadContains(h, m, "Job ID") && threadContains(h, msgs[1-i], "waiting:") {
				first, second = m, msgs[1-i]
				return true
			}
		}
		return false
	})
	firstID := requestID(t, first)
	h.threadHas(second, "waiting:", "`"+firstID+"` is restoring this instance")
	if r := h.request(requestID(t, second)); r.State != approvals.StateQueued || r.WaitingFor != firstID {
		t.Errorf("the second request: %s waiting for %q; want queued behind %s", r.State, r.WaitingFor, firstID)
	}
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls while the first job runs: %d, want 1", n)
	}
	// Until the first request is completed in the store, one call only.
	// (Its thread's "Restore completed" may arrive after the second call:
	// messages are queued and paced to Slack's rate, the state is not.)
	// Calls are read before the state, so two calls seen while the first
	// is not yet completed can only mean a call made too early.
	h.waitFor("the first request completed", func() bool {
		n := len(h.restoreCalls())
		if h.request(firstID).State == approvals.StateCompleted {
			return true
		}
		if n != 1 {
			t.Fatalf("restore calls before the first job ended: %d, want 1", n)
		}
		return false
	})
	ended := time.Now()
	h.threadHas(first, "Restore completed")
	h.threadHas(second, "goes ahead")
	h.threadHas(second, "Job ID")
	calls := h.restoreCalls()
	if len(calls) != 2 {
		t.Fatalf("restore calls: %d, want 2", len(calls))
	}
	t.Logf("the second restore was called %s after the first job was seen ended", time.Since(ended).Round(time.Millisecond))
	h.threadHas(second, "Restore completed")
}

// threadContains reports whether a reply in m's thread contains part.
func threadContains(h *harness, m slacktest.Message, part string) bool {
	for _, r := range h.slack.Thread(m.Channel, m.TS) {
		if strings.Contains(r.Text, part) {
			return true
		}
	}
	return false
}
