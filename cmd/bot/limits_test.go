package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// TestFloodBesideAnotherUsersClick: one user floods the bot with request
// commands while every worker is stuck on request work (users.info does not
// answer). Another user's Approve is still handled, because decisions have
// their own workers and queue; every envelope is acked; and once Slack
// answers again the flooder got at most RESTORE_MAX_OPEN_PER_USER requests,
// the rest refused by the rate limit with a time to try again.
func TestFloodBesideAnotherUsersClick(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, h.backupCommand("before the flood"))
	m := h.approvalMessage(1)

	release := h.slack.Hold("users.info")
	defer release()
	const flood = 200
	for range flood {
		p := h.slack.SlashPayload(slacktest.Slash{UserID: nyUser, ChannelID: opsChannel, Text: h.backupCommand("flood")})
		if _, err := h.slack.SendNoWait(slacktest.EnvelopeSlashCommands, p); err != nil {
			t.Fatal(err)
		}
	}
	h.click(approver, m, "approve")
	h.threadHas(m, "Approved by <@"+approver+">")
	h.waitFor("every flood envelope acked", func() bool { return len(h.slack.Acks()) >= flood+2 })

	release()
	h.waitFor("the flooder's 20 accepted commands answered", func() bool {
		es := h.slack.Ephemerals(nyUser)
		return len(es)-countContaining(es, "Checking your request")-countContaining(es, "Too many commands") >= 20
	})
	if n := countContaining(h.slack.Messages(approvals_), "<@"+nyUser+">"); n > 3 {
		t.Errorf("the flooder got %d approval messages posted, want at most 3 (RESTORE_MAX_OPEN_PER_USER)", n)
	}
	limited := countContaining(h.slack.Ephemerals(nyUser), "Too many commands", "try again in")
	if limited < flood-20 {
		t.Errorf("%d of %d flood commands refused by the rate limit, want at least %d", limited, flood, flood-20)
	}
	for _, a := range h.slack.Acks() {
		if a.Late {
			t.Errorf("envelope %s acked late (%s)", a.EnvelopeID, a.Latency)
		}
	}
}

// TestMaxOpenPerUserAcrossTwoBots: two replicas share Redis; one requester
// files five requests spread over both; three are posted, two are refused
// with the open IDs and what to do.
func TestMaxOpenPerUserAcrossTwoBots(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.start()
	for i := range 5 {
		h.slash(requester, h.backupCommand("open "+strconv.Itoa(i)))
	}
	h.waitFor("five answers", func() bool {
		return countContaining(h.slack.Ephemerals(requester), "waiting for approval")+
			countContaining(h.slack.Ephemerals(requester), "open restore requests") >= 5
	})
	if n := len(h.slack.Messages(approvals_)); n != 3 {
		t.Errorf("%d approval messages, want 3", n)
	}
	refusal := h.ephemeralHas(requester, "Not requested", "3 open restore requests", "at most 3", "/db-restore cancel ID")
	ids, _, err := h.store().List(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ids {
		if !strings.Contains(refusal.Text, "`"+r.ID+"`") {
			t.Errorf("the refusal does not name open request %s: %s", r.ID, refusal.Text)
		}
	}
	if got := countContaining(h.slack.Ephemerals(requester), "Not requested", "open restore requests"); got != 2 {
		t.Errorf("%d refusals, want 2", got)
	}
}

var retryIn = regexp.MustCompile(`try again in (\d+) seconds`)

// TestRateLimitSaysWhenToRetry: with a limit of 2 commands a minute over two
// replicas, the third command (on whichever replica) is refused, saying the
// limit and in how many seconds to try again; other users are not limited.
func TestRateLimitSaysWhenToRetry(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "2"
	h.start()
	h.start()
	for range 2 {
		h.slash(requester, "list")
	}
	h.waitFor("two lists", func() bool { return countContaining(h.slack.Ephemerals(requester), "No restore requests") >= 2 })
	// The third goes to the first replica again, which has seen one command
	// of this user: only Redis knows it is the third.
	h.slash(requester, "list")
	refusal := h.ephemeralHas(requester, "Too many commands", "2 a minute", "not run")
	checkRetry(t, refusal.Text)
	// A fourth and fifth reach each replica a second time... and the one
	// that has seen three refuses in the ack itself, without Redis.
	h.slash(requester, "list")
	ack := h.slash(requester, "list")
	if !strings.Contains(string(ack.Payload), "Too many commands") {
		t.Errorf("fifth command's ack: %s, want the refusal in the ack", ack.Payload)
	}
	checkRetry(t, string(ack.Payload))
	h.slash(approver, "list")
	h.ephemeralHas(approver, "No restore requests")
}

func checkRetry(t *testing.T, text string) {
	t.Helper()
	m := retryIn.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("refusal %q does not say when to try again", text)
	}
	if s, _ := strconv.Atoi(m[1]); s < 1 || s > 60 {
		t.Errorf("try again in %d seconds, want 1..60", s)
	}
}

// TestFullWorkQueueAcksBusy: one worker, a queue of one, and request work
// that cannot finish: further commands are acked "busy" at once, the loop
// keeps reading (help is answered, a click is handled, nothing is acked
// late), and the accepted work completes once Slack answers again.
func TestFullWorkQueueAcksBusy(t *testing.T) {
	h := newHarness(t)
	h.tune(func(c *config.Config) { c.Workers, c.WorkQueue = 1, 1 })
	h.start()
	h.slash(requester, h.backupCommand("to decide"))
	m := h.approvalMessage(1)

	release := h.slack.Hold("users.info")
	defer release()
	busy := 0
	users := []string{approver2, outsider, groupMate, nyUser, approver2, outsider}
	for _, u := range users {
		ack := h.slash(u, h.backupCommand("while stuck"))
		if strings.Contains(string(ack.Payload), "busy") {
			if !strings.Contains(string(ack.Payload), "Try again") {
				t.Errorf("busy ack does not say to try again: %s", ack.Payload)
			}
			busy++
		}
	}
	if busy < len(users)-2 {
		t.Errorf("%d busy acks, want at least %d (one worker, one queued)", busy, len(users)-2)
	}
	if ack := h.slash(requester, "help"); !strings.Contains(string(ack.Payload), "Usage of /db-restore") {
		t.Errorf("help while busy: %s", ack.Payload)
	}
	h.click(approver, m, "deny")
	h.threadHas(m, "Denied by <@"+approver+">")
	release()
	h.waitFor("the accepted commands answered", func() bool {
		return len(h.slack.Messages(approvals_)) == 1+len(users)-busy
	})
	for _, a := range h.slack.Acks() {
		if a.Late {
			t.Errorf("envelope %s acked late (%s)", a.EnvelopeID, a.Latency)
		}
	}
}

// TestRedeliveredEnvelopeCreatesOneRequest: Slack delivers the same slash
// command, and the same form submission, a second time (retry_attempt 1)
// on another replica: each makes one request.
func TestRedeliveredEnvelopeCreatesOneRequest(t *testing.T) {
	t.Run("slash command", func(t *testing.T) {
		h := newHarness(t)
		h.start()
		h.start()
		p := h.slack.SlashPayload(slacktest.Slash{UserID: requester, ChannelID: opsChannel, Text: h.backupCommand("once")})
		if _, err := h.slack.Send(h.ctx(), slacktest.EnvelopeSlashCommands, p); err != nil {
			t.Fatal(err)
		}
		if _, err := h.slack.Redeliver(h.ctx(), slacktest.EnvelopeSlashCommands, p, 1, "timeout"); err != nil {
			t.Fatal(err)
		}
		h.approvalMessage(1)
		h.waitFor("the redelivery seen", func() bool { return strings.Contains(h.logs.String(), "envelope delivered again") })
		h.slash(requester, "list")
		h.ephemeralHas(requester, "1 in all")
		if n := len(h.slack.Messages(approvals_)); n != 1 {
			t.Errorf("%d approval messages, want 1", n)
		}
	})
	t.Run("form submission", func(t *testing.T) {
		h := newHarness(t)
		h.start()
		h.start()
		h.slash(requester, "")
		v := h.openedForm(requester)
		src := h.source.ID
		state := formState{
			"source": {"source": sel(src)}, "type": {"type": radio("backup")}, "backup." + src: {"backup": sel(h.backup.ID)},
			"target." + src: {"target": sel(h.target.ID)}, "reason": {"reason": text("redelivered form")},
		}
		h.change(requester, v.ID, "source", src, nil, state)
		h.viewHas(v.ID, `"block_id":"backup.`+src+`"`)
		p, err := h.slack.SubmissionPayload(requester, v.ID, state)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, p); err != nil {
			t.Fatal(err)
		}
		if _, err := h.slack.Redeliver(h.ctx(), slacktest.EnvelopeInteractive, p, 1, "timeout"); err != nil {
			t.Fatal(err)
		}
		h.approvalMessage(1)
		h.waitFor("the redelivery seen", func() bool { return strings.Contains(h.logs.String(), "envelope delivered again") })
		h.slash(requester, "list")
		h.ephemeralHas(requester, "1 in all")
		reqs, _, err := h.store().List(context.Background(), 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 1 || len(h.slack.Messages(approvals_)) != 1 {
			t.Errorf("%d requests and %d approval messages, want 1 and 1", len(reqs), len(h.slack.Messages(approvals_)))
		}
	})
}
