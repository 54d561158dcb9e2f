package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/botrun"
)

const admin = "UADM0001"

// withPolicy writes a policy file for the harness's instances.
func (h *harness) withPolicy(t *testing.T, body string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policy.yml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env["RESTORE_POLICY_FILE"] = path
	delete(h.env, "RESTORE_APPROVERS") // the file's rules replace it
	h.env["RESTORE_ADMINS"] = admin
	if err := h.slack.AddUser(slacktestUser(admin)); err != nil {
		t.Fatal(err)
	}
}

func twoDBAs() string {
	return fmt.Sprintf(`default:
  approvers: [%s, %s, %s]
rules:
  - name: restore-targets
    match: {name: "orders-restore*"}
    approvers: [%s, %s]
    required_approvals: 2
`, approver, approver2, dbaGroup, approver, approver2)
}

func TestTwoOfNThroughSlack(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	h.start()
	h.slash(requester, h.backupCommand("needs two"))
	msg := h.approvalMessage(1)
	if !strings.Contains(blocksText(msg), "needs 2 of") || !strings.Contains(blocksText(msg), "restore-targets") {
		t.Errorf("approval message should say it needs 2 and name the rule: %s", blocksText(msg))
	}
	h.click(requester, msg, "approve")
	h.ephemeralHas(requester, "cannot decide")
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Approved by <@"+approver+"> (1 of 2)")
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "already counted")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls after one distinct approver: %d", n)
	}
	// The second distinct approver clicks many times at once: one call.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() { h.staleClick(approver2, msg, "approve", requestID(t, msg)+"|"+h.paramHash(t, msg)) })
	}
	wg.Wait()
	h.threadHas(msg, "Job ID")
	time.Sleep(200 * time.Millisecond)
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want 1", n)
	}
}

func TestFreezeRefusesRequestsAndApprovals(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	h.start()
	h.slash(requester, fmt.Sprintf("source=%s target=%s backup=%s reason=before", h.source.ID, h.source.ID, h.backup.ID))
	msg := h.approvalMessage(1)

	h.slash(outsider, `freeze on "not an admin"`)
	h.ephemeralHas(outsider, "not allowed to freeze")
	h.slash(admin, `freeze on "quarter-end change freeze"`)
	h.channelHas(incidents, "froze all restores", "quarter-end change freeze")

	h.slash(requester, h.backupCommand("during the freeze"))
	h.ephemeralHas(requester, "frozen", "quarter-end change freeze")
	h.click(approver, msg, "approve")
	h.ephemeralHas(approver, "frozen", "quarter-end change freeze")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls during the freeze: %d", n)
	}
	h.slash(admin, "freeze off")
	h.channelHas(incidents, "lifted the restore freeze")
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
}

func TestBreakGlass(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	h.env["RESTORE_BREAK_GLASS"] = requester
	h.env["RESTORE_ADMINS"] = admin + "," + requester // an admin who asks for break-glass
	h.start()
	h.slash(outsider, h.backupCommand("x")+` break_glass="not allowed"`)
	h.ephemeralHas(outsider, "not allowed to use break_glass")

	h.slash(requester, h.backupCommand("primary down")+` break_glass="orders primary lost, DBAs asleep"`)
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	if !strings.Contains(blocksText(msg), "Break-glass") || !strings.Contains(blocksText(msg), "needs 1 of") {
		t.Errorf("approval message should show break-glass and need 1: %s", blocksText(msg))
	}
	h.channelHas(incidents, "Break-glass", id)
	for _, u := range []string{approver, approver2} {
		h.waitFor("break-glass DM to "+u, func() bool { return countContaining(h.slack.DMs(u), "Break-glass", id) == 1 })
	}
	h.slash(admin, "review "+id+` done "too early"`)
	h.ephemeralHas(admin, "reviewed only once it has ended")

	h.click(requester, msg, "approve")
	h.ephemeralHas(requester, "cannot decide")
	h.click(approver2, msg, "approve")
	h.threadHas(msg, "Job ID")
	h.waitFor("the restore to end", func() bool { return h.requestState(t, msg) == "completed" })

	h.slash(approver, "reviews")
	h.ephemeralHas(approver, "not allowed to list break-glass reviews")
	h.slash(admin, "reviews")
	h.ephemeralHas(admin, id, "orders primary lost")
	h.slash(approver, "review "+id)
	h.ephemeralHas(approver, "not allowed to review")
	h.slash(admin, "review "+id)
	h.ephemeralHas(admin, "Break-glass restore `"+id+"`", "orders primary lost", "Not reviewed yet")
	h.slash(requester, "review "+id+` done "my own, all fine"`)
	h.ephemeralHas(requester, "cannot review its break-glass use")
	h.slash(admin, "review "+id+` done "primary was really lost; INC-77"`)
	h.ephemeralHas(admin, "marked reviewed")
	h.threadHas(msg, "reviewed by <@"+admin+">", "INC-77")
	h.slash(admin, "reviews")
	h.ephemeralHas(admin, "No break-glass restores")
	h.slash(admin, "review "+id+` done "again"`)
	h.ephemeralHas(admin, "already reviewed by <@"+admin+">")

	// The audit stream holds the break-glass reason and the review note.
	hist, err := h.store().History(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	var audit []string
	for _, e := range hist {
		audit = append(audit, e.Actor+" "+e.Action+": "+e.Detail)
	}
	all := strings.Join(audit, "\n")
	for _, want := range []string{requester + " requested: break-glass: orders primary lost, DBAs asleep", admin + " reviewed: primary was really lost; INC-77"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q:\n%s", want, all)
		}
	}
}

func TestSafetyBackupThenRestore(t *testing.T) {
	h := newHarness(t)
	h.start()
	// Onto the original instance: the default rule takes a safety backup first.
	h.slash(requester, fmt.Sprintf("source=%s backup=%s reason=overwrite", h.source.Name, h.backup.ID))
	msg := h.approvalMessage(1)
	if !strings.Contains(blocksText(msg), "safety backup") {
		t.Errorf("approval message should announce the safety backup: %s", blocksText(msg))
	}
	h.click(approver, msg, "approve")
	undo := h.threadHas(msg, "Safety backup", "is complete", "/db-restore source="+h.source.ID)
	h.threadHas(msg, "Job ID")
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: got %d, want 1", n)
	}
	// The restore was called only after the backup completed.
	var backupCreated, restoreAt = -1, -1
	for i, r := range h.gauss.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/backups/create"):
			backupCreated = i
		case strings.HasSuffix(r.Path, "/instances/restore"):
			restoreAt = i
		}
	}
	if backupCreated < 0 || restoreAt < backupCreated {
		t.Fatalf("backup create at %d, restore at %d", backupCreated, restoreAt)
	}
	t.Logf("undo: %s", undo.Text)
}

func TestFailedSafetyBackupMeansNoRestore(t *testing.T) {
	h := newHarness(t)
	h.start()
	h.slash(requester, fmt.Sprintf("source=%s backup=%s reason=overwrite", h.source.Name, h.backup.ID))
	msg := h.approvalMessage(1)
	h.gauss.SetInstanceStatus(h.source.ID, "MODIFYING") // the backup API now refuses
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore failed", "safety backup")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: got %d, want 0", n)
	}
}

func TestPolicyCommandAndOverwriteForbidden(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, fmt.Sprintf(`default:
  approvers: [%s]
rules:
  - name: orders-prod
    match: {name: orders-prod}
    approvers: [%s]
    allow_overwrite_original: false
`, approver, dbaGroup))
	h.start()
	h.slash(requester, "policy orders-prod")
	h.ephemeralHas(requester, "orders-prod", "not allowed", "<!subteam^"+dbaGroup+">")
	h.slash(requester, fmt.Sprintf("source=orders-prod backup=%s reason=overwrite", h.backup.ID))
	h.ephemeralHas(requester, "does not allow restoring onto the original")
	if n := len(h.slack.Messages(approvals_)); n != 0 {
		t.Fatalf("a forbidden request was posted")
	}
}

func TestMalformedPolicyStopsTheBot(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, "default:\n  approvers: [U01]\nrules:\n  - name: x\n    match: {names: [\"a\"]}\n    aprovers: [U02]\n")
	err := runWith(context.Background(), []string{"db-restore"}, func(k string) string { return h.env[k] }, h.logs, h.logs, botrun.Hooks{Now: h.clock.Now})
	if err == nil || !strings.Contains(err.Error(), "line 6") || !strings.Contains(err.Error(), "aprovers") {
		t.Fatalf("got %v, want an error naming line 6 and the field", err)
	}
}

// paramHash reads the parameter hash from an approval message's button.
func (h *harness) paramHash(t testing.TB, m slacktestMessage) string {
	t.Helper()
	s := blocksText(m)
	i := strings.Index(s, requestID(t, m)+"|")
	return s[i+7 : i+7+16]
}

func TestApproverRemovedFromPolicyIsRefused(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, twoDBAs())
	b := h.start()
	h.slash(requester, h.backupCommand("policy changes while pending"))
	msg := h.approvalMessage(1)
	b.stop(t)

	// The new policy file drops approver2 from the rule: its clicks no
	// longer count, even on a request made under the old file.
	h.withPolicy(t, strings.Replace(twoDBAs(), "approvers: ["+approver+", "+approver2+"]\n    required", "approvers: ["+approver+", "+groupMate+"]\n    required", 1))
	h.start()
	h.click(approver2, msg, "approve")
	h.ephemeralHas(approver2, "not an approver")
	h.click(approver, msg, "approve")
	h.threadHas(msg, "(1 of 2)")
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: %d", n)
	}
}
