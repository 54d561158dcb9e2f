package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A frozen rule that matches on a tag the target gained after the request:
// while GaussDB cannot say what the target's tags are, the click is not
// counted (it used to fall back to the untagged rule and count).
func TestTagRuleFreezeHoldsWhileTagsAreUnreadable(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, fmt.Sprintf(`default:
  approvers: [%s]
rules:
  - name: prod-tagged
    match: {tags: {env: prod}}
    approvers: [%s]
    frozen: {reason: "prod change freeze"}
`, approver, approver))
	h.start()
	h.slash(requester, h.backupCommand("before the tag"))
	msg := h.approvalMessage(1)

	tagged := h.target
	tagged.Tags = map[string]string{"env": "prod"}
	h.gauss.AddInstance(tagged)
	h.gauss.FailInstanceShow(http.StatusInternalServerError)
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "was not counted", "tags")
	if r := h.requestState(t, msg); r != "pending" || len(h.restoreCalls()) != 0 {
		t.Fatalf("after a click whose rule could not be checked: state %s, %d restore calls", r, len(h.restoreCalls()))
	}

	h.gauss.FailInstanceShow(0)
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "frozen", "prod change freeze")
	time.Sleep(100 * time.Millisecond)
	if r := h.requestState(t, msg); r != "pending" || len(h.restoreCalls()) != 0 {
		t.Fatalf("under the frozen rule: state %s, %d restore calls", r, len(h.restoreCalls()))
	}
}

// An approver counted at the first click of a 2-of-N rule leaves the user
// group before the second: the second click re-checks everyone, drops the
// approval, and does not reach the threshold. A Slack failure during that
// re-check counts nothing.
func TestApproverRemovedFromGroupBetweenClicksIsDropped(t *testing.T) {
	h := newHarness(t)
	h.slack.SetUserGroup(dbaGroup, groupMate, approver)
	h.withPolicy(t, fmt.Sprintf(`default:
  approvers: [%s]
rules:
  - name: restore-targets
    match: {name: "orders-restore*"}
    approvers: [%s, %s]
    required_approvals: 2
`, approver, dbaGroup, approver2))
	h.start()
	h.slash(requester, h.backupCommand("two of the DBAs"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(groupMate, msg, "approve")
	h.threadHas(msg, "Approved by <@"+groupMate+"> (1 of 2)")

	h.slack.SetUserGroup(dbaGroup, approver) // groupMate leaves the DBAs
	h.slack.FailNext("usergroups.users.list", "internal_error")
	h.click(approver2, msg, "approve")
	h.ephemeralHas(approver2, "was not counted", "user groups")

	h.click(approver2, msg, "approve")
	h.threadHas(msg, "Approval by <@"+groupMate+"> dropped", "Approved by <@"+approver2+"> (1 of 2)")
	time.Sleep(100 * time.Millisecond)
	if r := h.requestState(t, msg); r != "pending" || len(h.restoreCalls()) != 0 {
		t.Fatalf("after the drop: state %s, %d restore calls; want pending and none", r, len(h.restoreCalls()))
	}
	h.slash(approver, "status "+id)
	h.ephemeralHas(approver, "approval_dropped", groupMate)

	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d, want 1", n)
	}
}

var hashPattern = regexp.MustCompile(`\b([0-9a-f]{16})\b`)

// Two replicas started with different policy files: the second one's rules
// are not in force, so it reports not ready and refuses clicks, naming both
// hashes; the first one's clicks count.
func TestReplicaWithAnotherPolicyRefusesClicks(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	h.start()
	h.slash(requester, h.backupCommand("two replicas"))
	msg := h.approvalMessage(1)

	h.withPolicy(t, strings.Replace(twoDBAs(), "required_approvals: 2", "required_approvals: 2\n    frozen: {reason: other file}", 1))
	addr := freeAddr(t)
	h.env["HEALTH_ADDR"] = addr
	h.start()
	var body string
	h.waitFor("second replica not ready", func() bool {
		code, b := get(t, "http://"+addr+"/readyz")
		body = b
		return code == http.StatusServiceUnavailable && strings.Contains(b, "policy:")
	})
	hashes := hashPattern.FindAllStringSubmatch(body, -1)
	if len(hashes) != 2 || hashes[0][1] == hashes[1][1] {
		t.Fatalf("/readyz should name both policy hashes: %q", body)
	}

	// Slack spreads envelopes over the two links: one of the two clicks
	// reaches each replica.
	h.click(approver, msg, "approve")
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "other approval rules", hashes[0][1], hashes[1][1])
	h.threadHas(msg, "Approved by <@"+approver+"> (1 of 2)")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: %d", n)
	}
}

// requestState reads the request's state from the store.
func (h *harness) requestState(t *testing.T, m slacktestMessage) string {
	t.Helper()
	r, err := h.store().Get(h.ctx(), requestID(t, m))
	if err != nil {
		t.Fatal(err)
	}
	return string(r.State)
}
