package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func TestProgressIsOneThreadMessageUpdatedInPlace(t *testing.T) {
	h := newHarness(t)
	const throttle = 300 * time.Millisecond
	h.tune(func(c *config.Config) { c.ProgressInterval = throttle }) // 15 s in production
	h.gauss.SetRestoreJobPolls(15)                                   // 0 → 100 % over 15 polls, 100 ms apart
	h.start()
	h.slash(requester, h.backupCommand("rows deleted"))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore completed")

	var progress []slacktest.Message
	for _, m := range h.slack.Thread(msg.Channel, msg.TS) {
		if strings.Contains(m.Text, "Restore running") || strings.Contains(m.Text, "Restore job finished") {
			progress = append(progress, m)
		}
	}
	if len(progress) != 1 {
		t.Fatalf("%d progress messages in the thread, want one updated in place: %+v", len(progress), progress)
	}
	p := progress[0]
	if !containsAll(p.Text, "Restore job finished", "100%") {
		t.Errorf("the progress message should end finished at 100%%: %q", p.Text)
	}
	if p.Edited < 2 {
		t.Errorf("the progress message was updated %d times over 15 polls, want several", p.Edited)
	}
	// No more often than the throttle: from the post to each update but the
	// last (the job's end, said at once).
	sec, _ := strconv.ParseFloat(p.TS, 64)
	prev := time.UnixMicro(int64(sec * 1e6))
	for i, at := range p.EditedAt[:len(p.EditedAt)-1] {
		if gap := at.Sub(prev); gap < throttle-5*time.Millisecond {
			t.Errorf("update %d came %v after the one before, under the %v throttle", i+1, gap, throttle)
		}
		prev = at
	}
	running := 0
	for _, c := range h.slack.Calls("chat.update") {
		if c.Params.Get("ts") == p.TS && containsAll(c.Params.Get("text"), "Restore running", "process `", "%", "elapsed", "left") {
			running++
		}
	}
	if running == 0 {
		t.Errorf("no update showed the bar, the process, the elapsed and the remaining time")
	}
	t.Logf("progress message posted once, updated %d times (%d while running)", p.Edited, running)
	// It stops at the end.
	edits := p.Edited
	time.Sleep(3 * throttle)
	if cur := h.current(p); cur.Edited != edits {
		t.Errorf("the progress message was updated %d more times after the job ended", cur.Edited-edits)
	}
	// The store keeps the message, so a replica taking over updates it too.
	r, err := h.store().Get(h.ctx(), requestID(t, msg))
	if err != nil || r.ProgressTS != p.TS {
		t.Errorf("stored progress message %q (%v), want %s", r.ProgressTS, err, p.TS)
	}
}
