package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestNewInstanceNeverFallsThroughToTheSource: until restores to a new
// instance are wired end to end, target=new is refused in the ack and
// never becomes a restore onto the source (which an empty target means).
func TestNewInstanceNeverFallsThroughToTheSource(t *testing.T) {
	h := newHarness(t)
	h.start()
	ack := h.slash(requester, fmt.Sprintf("source=%s target=new backup=%s reason=%q", h.source.Name, h.backup.ID, "look at yesterday"))
	if !strings.Contains(string(ack.Payload), "not available yet") {
		t.Fatalf("ack %s, want a refusal", ack.Payload)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(h.slack.Messages(approvals_)); n != 0 {
		t.Errorf("%d approval messages posted for target=new", n)
	}
	if n := len(h.restoreCalls()) + len(h.gauss.CreateCalls()); n != 0 {
		t.Errorf("%d restore or create calls", n)
	}
}
