package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// waitLong is waitFor with a bound of its own: a paced burst takes longer
// than the harness's 15 s.
func (h *harness) waitLong(what string, d time.Duration, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := h.slack.WaitFor(ctx, cond); err != nil {
		h.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// flood sends n requests from n people at once, each onto a target of its
// own, and returns the people.
func (h *harness) flood(n int) []string {
	h.t.Helper()
	people := make([]string, n)
	targets := make([]string, n)
	for i := range n {
		people[i] = fmt.Sprintf("UFLOOD%03d", i)
		if err := h.slack.AddUser(slacktestUser(people[i])); err != nil {
			h.t.Fatal(err)
		}
		targets[i] = h.gauss.AddInstance(gaussdbtest.Instance{ID: gaussdbtest.NewInstanceID(), Name: fmt.Sprintf("flood-%03d", i),
			Status: "ACTIVE", Version: "8.0", LowerCaseTableNames: "1"}).ID
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			text := fmt.Sprintf("source=%s target=%s backup=%s reason=%q", h.source.Name, targets[i], h.backup.ID, "flood "+people[i])
			if _, err := h.slack.SlashCommand(h.ctx(), slacktest.Slash{UserID: people[i], ChannelID: opsChannel, Text: text}); err != nil {
				h.t.Errorf("slash by %s: %v", people[i], err)
			}
		})
	}
	wg.Wait()
	return people
}

// Acceptance (issue 16): 20 requests from 20 people into one channel, all
// approved, through a fake Slack that enforces Slack's rates. Every
// approval message, job ID and completion arrives, in order in each
// thread, none twice, and no call is made before a Retry-After has passed.
func TestFloodThroughSlacksRateLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("paced to Slack's real rate: about a minute")
	}
	const n = 20
	h := newHarness(t)
	h.start()
	start := time.Now()
	h.flood(n)
	h.waitLong("every approval message", 2*time.Minute, func() bool { return len(h.slack.Messages(approvals_)) >= n })
	posted := time.Since(start)
	msgs := h.slack.Messages(approvals_)
	if len(msgs) != n {
		t.Fatalf("%d approval messages, want %d", len(msgs), n)
	}
	ids := map[string]slacktest.Message{}
	for _, m := range msgs {
		ids[requestID(t, m)] = m
	}
	if len(ids) != n {
		t.Fatalf("%d distinct requests in %d approval messages", len(ids), n)
	}
	// Slack's other limits (the workspace's, another app's share) answer
	// 429 too: every replica must hold off for the Retry-After given.
	h.slack.RateLimitNext("chat.postMessage", 2)
	h.slack.RateLimitNext("chat.update", 1)
	h.slack.RateLimitNext("chat.postMessage", 1)
	for id, m := range ids {
		h.waitLong("message recorded", time.Minute, func() bool { return h.request(id).MessageTS == m.TS })
		h.click(approver, m, "approve")
	}
	h.waitLong("every restore completed", 4*time.Minute, func() bool {
		for id := range ids {
			if h.request(id).State != approvals.StateCompleted {
				return false
			}
		}
		return true
	})
	for id, m := range ids {
		r := h.request(id)
		h.waitLong("the completion in "+id+"'s thread", time.Minute, func() bool {
			return threadOrder(h.slack.Thread(approvals_, m.TS), r.JobID) != ""
		})
		if problem := threadOrder(h.slack.Thread(approvals_, m.TS), r.JobID); problem != "ok" {
			t.Errorf("request %s: %s", id, problem)
		}
	}
	if n := len(h.restoreCalls()); n != len(ids) {
		t.Errorf("%d restore calls for %d approved requests", n, len(ids))
	}
	if v := h.slack.Violations(); len(v) != 0 {
		t.Errorf("calls before a Retry-After had passed (or other violations): %q", v)
	}
	var answered429 []slacktest.Call
	for _, c := range h.slack.Calls("") {
		if c.Status == http.StatusTooManyRequests {
			answered429 = append(answered429, c)
		}
	}
	if len(answered429) < 3 {
		t.Errorf("%d calls answered 429, want at least the 3 injected", len(answered429))
	}
	t.Logf("%d approval messages in %v; all %d completed and told in %v; %d calls answered 429 (%s), %d of them by the fake's rates",
		n, posted.Round(time.Millisecond), n, time.Since(start).Round(time.Millisecond),
		len(answered429), limitedByMethod(answered429), len(h.slack.Limited("")))
}

// threadOrder checks one request's thread: its job ID posted once, before
// the completion, posted once. "" means not there yet.
func threadOrder(thread []slacktest.Message, jobID string) string {
	submitted, completed := -1, -1
	var nSubmitted, nCompleted int
	for i, m := range thread {
		text := strings.ToLower(m.Text)
		switch {
		case !strings.Contains(m.Text, jobID):
		case strings.Contains(text, "submitted"):
			submitted, nSubmitted = i, nSubmitted+1
		case strings.Contains(text, "completed"):
			completed, nCompleted = i, nCompleted+1
		}
	}
	switch {
	case completed < 0 || submitted < 0:
		return ""
	case nSubmitted != 1 || nCompleted != 1:
		return fmt.Sprintf("job ID posted %d times, completion %d times", nSubmitted, nCompleted)
	case completed < submitted:
		return "the completion came before the job ID"
	}
	return "ok"
}

func limitedByMethod(calls []slacktest.Call) string {
	by := map[string]int{}
	for _, c := range calls {
		by[c.Method]++
	}
	return fmt.Sprint(by)
}

// BenchmarkApprovalMessagesAtSlacksPace is issue 16's figure: a burst of
// 100 requests from 100 people into one channel, through the fake with
// Slack's rates, timed until the 100th approval message is posted, against
// the least time the per-channel rate allows. Run it with
//
//	go test -run '^$' -bench ApprovalMessagesAtSlacksPace -benchtime 1x ./cmd/bot
func BenchmarkApprovalMessagesAtSlacksPace(b *testing.B) {
	const n = 100
	rate := slacktest.ChannelRate
	floor := time.Duration(n-rate.N) * rate.Window / time.Duration(rate.N)
	for range b.N {
		h := newHarness(b)
		h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "0"
		h.start()
		start := time.Now()
		h.flood(n)
		h.waitLong("every approval message", 5*time.Minute, func() bool { return len(h.slack.Messages(approvals_)) >= n })
		took := time.Since(start)
		b.ReportMetric(took.Seconds(), "s/100-messages")
		b.ReportMetric(took.Seconds()/floor.Seconds(), "x-slack-floor")
		b.Logf("%d approval messages in %v; Slack's per-channel rate (%d per %v) allows them in no less than %v; %d calls answered 429, %d violations",
			n, took.Round(time.Millisecond), rate.N, rate.Window, floor, len(h.slack.Limited("")), len(h.slack.Violations()))
		h.stopAll()
	}
}

// A bot stopped with a channel's backlog still queued sends it before it
// exits, within the shutdown bound.
func TestShutdownDrainsTheQueuedMessages(t *testing.T) {
	const n = 8 // about 5 s of backlog at Slack's pace
	h := newHarness(t)
	b := h.start()
	h.flood(n)
	h.waitLong("the first approval messages", time.Minute, func() bool { return len(h.slack.Messages(approvals_)) >= 3 })
	queued := n - len(h.slack.Messages(approvals_))
	start := time.Now()
	b.stop(t)
	took := time.Since(start)
	if got := len(h.slack.Messages(approvals_)); got != n {
		t.Errorf("%d approval messages after the stop, want all %d (%d were queued when it began)", got, n, queued)
	}
	if took > 15*time.Second {
		t.Errorf("stopping took %v", took)
	}
	t.Logf("stopped in %v with %d approval messages queued", took.Round(time.Millisecond), queued)
}
