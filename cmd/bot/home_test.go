package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// openHome opens user's Home tab and waits for a published view holding
// every part (JSON with Go's HTML escapes undone).
func (h *harness) openHome(user string, parts ...string) slacktest.View {
	h.t.Helper()
	if _, err := h.slack.AppHomeOpened(h.ctx(), user); err != nil {
		h.t.Fatalf("open Home of %s: %v", user, err)
	}
	return h.homeHas(user, parts...)
}

// homeHas waits for user's Home tab to hold every part.
func (h *harness) homeHas(user string, parts ...string) slacktest.View {
	h.t.Helper()
	var v slacktest.View
	h.waitFor(fmt.Sprintf("Home of %s with %q", user, parts), func() bool {
		var ok bool
		v, ok = h.slack.Home(user)
		return ok && containsAll(unescape(string(v.Blocks)), parts...)
	})
	return v
}

// homeClick clicks a button in user's Home tab.
func (h *harness) homeClick(user, actionID, blockID string) {
	h.t.Helper()
	v, ok := h.slack.Home(user)
	if !ok {
		h.t.Fatalf("%s has no Home tab", user)
	}
	if _, err := h.slack.BlockAction(h.ctx(), slacktest.Action{UserID: user, ViewID: v.ID, ActionID: actionID, BlockID: blockID}); err != nil {
		h.t.Fatalf("Home click %s by %s: %v", actionID, user, err)
	}
}

// fastHome makes Home publishes quick for tests, within a rate the fake
// enforces as Slack would.
func (h *harness) fastHome() {
	h.tune(func(c *config.Config) { c.HomeInterval = 100 * time.Millisecond })
}

func TestHomeShowsEachPersonWhatTheyMay(t *testing.T) {
	h := newHarness(t)
	h.fastHome()
	h.env["RESTORE_REQUESTERS"] = requester
	h.env["RESTORE_ADMINS"] = admin
	h.env["RESTORE_BREAK_GLASS"] = requester
	if err := h.slack.AddUser(slacktestUser(admin)); err != nil {
		t.Fatal(err)
	}
	h.start()
	h.slash(requester, h.backupCommand("rows deleted"))
	first := h.approvalMessage(1)
	id := requestID(t, first)
	h.slash(requester, h.backupCommand("primary down")+` break_glass="orders primary lost"`)
	bg := requestID(t, h.approvalMessage(2))

	h.openHome(approver, "Waiting for your approval (2)", `"block_id":"decision:`+id+`"`, `"value":"`+id+"|",
		`"block_id":"decision:`+bg+`"`, "Break-glass:* orders primary lost", "Running now", "Restores are not frozen")
	if v, _ := h.slack.Home(approver); strings.Contains(string(v.Blocks), "New restore") || strings.Contains(string(v.Blocks), "Your requests") {
		t.Errorf("an approver who may not request sees the request parts: %s", v.Blocks)
	}
	h.openHome(requester, "Your requests", "New restore", `"action_id":"home_cancel"`, `"value":"`+id+`"`, "0 of 1 approvals", "expires in")
	if v, _ := h.slack.Home(requester); strings.Contains(string(v.Blocks), "Waiting for your approval") {
		t.Errorf("the requester sees approvals waiting: %s", v.Blocks)
	}
	h.openHome(admin, "Break-glass restores waiting for review (1)", "/db-restore review "+bg)
	h.openHome(outsider, "not a requester, approver or admin")
	if v, _ := h.slack.Home(outsider); strings.Contains(string(v.Blocks), id) || strings.Contains(string(v.Blocks), "frozen") {
		t.Errorf("an outsider sees restores: %s", v.Blocks)
	}

	// Cancel from the Home tab: the approval message and the Home tab say so.
	h.homeClick(requester, "home_cancel", "mine:"+id)
	h.homeHas(requester, "Request `"+id+"` is cancelled", "`"+id+"` *cancelled*")
	h.waitFor("approval message to show the cancel", func() bool { return !hasButtons(h.current(first)) })
	// The approver's Home tab follows the change, without being opened again.
	h.homeHas(approver, "Waiting for your approval (1)")

	// A freeze shows in every open Home tab.
	h.slash(admin, `freeze on reason="INC-77 investigation"`)
	h.homeHas(requester, "All restores are frozen", "INC-77 investigation")
}

func TestApproveFromHomeIsTheChannelButton(t *testing.T) {
	h := newHarness(t)
	h.fastHome()
	h.start()
	h.slash(requester, h.backupCommand("rows deleted"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.openHome(approver, `"block_id":"decision:`+id+`"`)
	h.openHome(approver2, `"block_id":"decision:`+id+`"`)

	h.homeClick(approver, "approve", "decision:"+id)
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls after the Home click: %d, want 1", n)
	}
	h.waitFor("approval message updated", func() bool { return !hasButtons(h.current(msg)) })
	if !strings.Contains(blocksText(h.current(msg)), "<@"+approver+">") {
		t.Errorf("the approval message should name the approver: %s", blocksText(h.current(msg)))
	}
	h.homeHas(approver, "Waiting for your approval (0)", id)

	// A second click, from the channel, is refused: no second restore.
	req, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	h.staleClick(approver2, msg, "approve", id+"|"+req.ParamHash)
	h.ephemeralHas(approver2, "is already")
	// approver2's Home tab dropped the request without being opened again.
	h.homeHas(approver2, "Waiting for your approval (0)")
	h.waitFor("the job to finish", func() bool {
		r, err := h.store().Get(h.ctx(), id)
		return err == nil && r.State == approvals.StateCompleted
	})
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls after a second click: %d, want 1", n)
	}
	h.openHome(approver, "Finished in the last 7 days", "`"+id+"` completed")
}

func TestHomePublishesStayWithinTheRate(t *testing.T) {
	h := newHarness(t)
	// The subject is views.publish's rate: the fake enforces only that one,
	// and the bot posts unpaced (100 messages in one channel would take
	// two minutes at Slack's rate; TestFloodThroughSlacksRateLimits covers it).
	h.slack.OnlyRateLimits("views.publish")
	h.env["SLACK_POST_INTERVAL"] = "0"
	// Slack's Tier 4 is about 100 a minute; the same shape, 100 times faster.
	h.slack.SetPublishLimit(10, time.Second)
	const interval = 200 * time.Millisecond
	h.tune(func(c *config.Config) { c.HomeInterval, c.HomeRate, c.HomeRateWindow = interval, 8, time.Second })
	h.env["RESTORE_MAX_OPEN_PER_USER"] = "100"
	h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "0"
	h.start()
	for _, u := range []string{approver, approver2, groupMate, requester} {
		h.openHome(u, "Running now")
	}
	start := time.Now()
	const requests = 50 // each is created and denied: 100 state changes
	for i := 1; i <= requests; i++ {
		h.slash(requester, h.backupCommand(fmt.Sprintf("change %d", i)))
		msg := h.approvalMessage(i)
		h.click(approver, msg, "deny")
	}
	h.waitFor("every request denied", func() bool {
		for _, m := range h.slack.Messages(approvals_) {
			if hasButtons(h.current(m)) {
				return false
			}
		}
		return true
	})
	// Every Home tab catches up with the last change.
	h.homeHas(approver, "Waiting for your approval (0)")
	h.homeHas(requester, "*denied*")
	took := time.Since(start)
	publishes := len(h.slack.Calls("views.publish"))
	limit := 10 * (int(took/time.Second) + 1)
	t.Logf("%d state changes in %v: %d publishes (fake allows %d)", 2*requests, took.Round(time.Millisecond), publishes, limit)
	if publishes > limit {
		t.Errorf("%d publishes in %v, over the %d the rate allows", publishes, took, limit)
	}
	if n := len(h.slack.Limited("views.publish")); n != 0 {
		t.Errorf("%d publishes answered 429", n)
	}
	// Coalesced: one person is published at most once per interval, plus
	// once for opening the tab, however many changes concern them.
	perUser := map[string]int{}
	for _, c := range h.slack.Calls("views.publish") {
		var body struct {
			UserID string `json:"user_id"`
		}
		_ = json.Unmarshal(c.Body, &body)
		perUser[body.UserID]++
	}
	bound := int(took/interval) + 2
	for u, n := range perUser {
		if n > bound {
			t.Errorf("%s's Home tab was published %d times in %v, more than once per %v (%d)", u, n, took, interval, bound)
		}
	}
	for _, c := range h.slack.Calls("views.publish") {
		if c.Status != 200 {
			t.Errorf("views.publish answered %d %s", c.Status, c.Error)
		}
	}
}

func TestShortcutOpensTheFormWithThePermalink(t *testing.T) {
	h := newHarness(t)
	h.start()
	alert := h.slack.AddUserMessage(opsChannel, "UALERT01", "orders-prod: 4412 rows deleted")
	sent := time.Now()
	if _, err := h.slack.MessageShortcut(h.ctx(), slacktest.Shortcut{UserID: requester, ChannelID: opsChannel, MessageTS: alert.TS, CallbackID: "restore_from_message"}); err != nil {
		t.Fatal(err)
	}
	link := h.slack.Permalink(opsChannel, alert.TS)
	v := h.openedForm(requester)
	opened := h.slack.Calls("views.open")
	if len(opened) != 1 || opened[0].Error != "" || opened[0].At.Sub(sent) > 3*time.Second {
		t.Fatalf("views.open calls %+v: want one, within the trigger's 3 s", opened)
	}
	t.Logf("form opened %v after the shortcut", opened[0].At.Sub(sent).Round(time.Millisecond))
	if !strings.Contains(unescape(string(v.JSON)), `"initial_value":"`+link+`"`) {
		t.Fatalf("the ticket should be the message's permalink %s: %s", link, v.Blocks)
	}

	src, backupBlock, targetBlock := h.source.ID, "backup."+h.source.ID, "target."+h.source.ID
	h.change(requester, v.ID, "source", src, nil, formState{"source": {"source": sel(src)}, "type": {"type": radio("backup")}, "ticket": {"ticket": text(link)}})
	v = h.viewHas(v.ID, `"block_id":"`+backupBlock+`"`, `"initial_value":"`+link+`"`)
	h.submit(requester, v.ID, formState{
		"source": {"source": sel(src)}, "type": {"type": radio("backup")}, backupBlock: {"backup": sel(h.backup.ID)},
		targetBlock: {"target": sel(h.target.ID)}, "reason": {"reason": text("rows deleted, see alert")},
		"ticket": {"ticket": text(link)},
	})
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	if !strings.Contains(blocksText(msg), link) {
		t.Errorf("the approval message should show the ticket %s: %s", link, blocksText(msg))
	}
	h.threadHas(msg, "Requested from <"+link+"|this message>")
	// The alert's channel is told, like the incident channel.
	h.channelHas(opsChannel, "requested restore `"+id+"`")
	h.click(approver, msg, "deny")
	h.channelHas(opsChannel, "denied restore `"+id+"`")
}

func TestShortcutAndHomeFormOnlyForRequesters(t *testing.T) {
	h := newHarness(t)
	h.fastHome()
	h.env["RESTORE_REQUESTERS"] = requester
	h.start()
	alert := h.slack.AddUserMessage(opsChannel, "UALERT01", "orders-prod: 4412 rows deleted")
	if _, err := h.slack.MessageShortcut(h.ctx(), slacktest.Shortcut{UserID: outsider, ChannelID: opsChannel, MessageTS: alert.TS, CallbackID: "restore_from_message"}); err != nil {
		t.Fatal(err)
	}
	h.ephemeralHas(outsider, "not allowed to request")
	// An approver who may not request has no New restore button; a click
	// made by hand is refused in their Home tab.
	v := h.openHome(approver, "Waiting for your approval")
	payload := map[string]any{
		"type": "block_actions", "user": map[string]any{"id": approver}, "team": map[string]any{"id": "T0FAKE"},
		"container":  map[string]any{"type": "view", "view_id": v.ID},
		"view":       map[string]any{"id": v.ID, "type": "home"},
		"actions":    []map[string]any{{"action_id": "home_new_restore", "block_id": "new", "type": "button", "value": "new", "action_ts": "1.2"}},
		"trigger_id": h.slack.IssueTrigger(approver),
	}
	if _, err := h.slack.Send(h.ctx(), slacktest.EnvelopeInteractive, payload); err != nil {
		t.Fatal(err)
	}
	h.homeHas(approver, "not allowed to request")
	if n := len(h.slack.Calls("views.open")); n != 0 {
		t.Errorf("%d forms opened for people who may not request", n)
	}
}

func TestHomePublishesOfTwoReplicasShareTheRate(t *testing.T) {
	h := newHarness(t)
	// Two replicas, each allowed the whole rate on its own: only the budget
	// they share in Redis keeps them within the fake's limit together.
	h.slack.SetPublishLimit(6, time.Second)
	// (4 a second each, 8 together, against 6: a margin for the time between
	// taking from the budget and the call reaching Slack on a loaded machine.)
	h.tune(func(c *config.Config) {
		c.HomeInterval, c.HomeRate, c.HomeRateWindow = 10*time.Millisecond, 4, time.Second
	})
	h.start()
	h.start()
	users := []string{approver, approver2, groupMate, requester, nyUser, outsider}
	for _, u := range users {
		if _, err := h.slack.AppHomeOpened(h.ctx(), u); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range users {
		h.homeHas(u, "Database restores")
	}
	start := time.Now()
	var last string
	for i := 1; i <= 6; i++ {
		h.slash(requester, h.backupCommand(fmt.Sprintf("change %d", i)))
		msg := h.approvalMessage(i)
		last = requestID(t, msg)
		h.click(approver, msg, "deny")
	}
	h.homeHas(approver, "Waiting for your approval (0)")
	h.homeHas(requester, "`"+last+"` *denied*")
	t.Logf("%d publishes by two replicas in %v", len(h.slack.Calls("views.publish")), time.Since(start).Round(time.Millisecond))
	if n := len(h.slack.Limited("views.publish")); n != 0 {
		t.Errorf("%d publishes answered 429: the replicas together went over the rate", n)
	}
}
