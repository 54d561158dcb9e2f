package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// The topologies deploy/README.md recommends keep approvals working after
// one Redis node dies: a primary with two replicas under Sentinel, and a
// Cluster with two replicas per primary. After the primary is killed
// (SIGKILL by PID) one replica is promoted and the other follows it, so
// the new primary again has a replica to confirm an approval (WAIT). An
// approval that reaches its threshold right after the promotion is
// confirmed and restored exactly once. (With one replica the new primary
// has none, and the approval is not called: TestClusterFailoverRecoversInSeconds.)

// availableLimit is how soon after the kill the approval must have been
// acted on (the restore call made).
const availableLimit = 10 * time.Second

func TestSentinelTwoReplicasApproveAfterFailover(t *testing.T) {
	d := redistest.StartSentinelReplicas(t, 2)
	approveAcrossFailover(t, d.URL(), func() *redistest.Node { return d.Primary }, 2, func() time.Time { return d.Failover(t) })
}

func TestClusterTwoReplicasApproveAfterFailover(t *testing.T) {
	c := redistest.StartClusterReplicas(t, 2)
	var owner int
	approveAcrossFailover(t, c.URL(), func() *redistest.Node { return c.Primaries[owner] }, 2, func() time.Time {
		return c.Failover(t, owner)
	}, func(h *harness) { owner = c.Owner(t, h.prefix+"req:x") })
}

// approveAcrossFailover runs the bot on the deployment at url, posts a
// request for approval, makes sure the primary's replicas hold it, kills
// the primary (failover: it returns when the promotion was seen), then
// approves the request at once and checks that GaussDB saw exactly one
// restore call, for that request's target, within availableLimit of the
// kill. setup, when given, runs once the harness exists.
func approveAcrossFailover(t *testing.T, url string, primary func() *redistest.Node, replicas int,
	failover func() time.Time, setup ...func(*harness)) {
	h, _ := topoHarness(t, url)
	// Long enough for the surviving replica to follow the new primary: the
	// click's WAIT then returns as soon as that replica has the write.
	h.env["REDIS_WAIT_TIMEOUT"] = "5s"
	for _, f := range setup {
		f(h)
	}
	var mu sync.Mutex
	var firstPOST time.Time
	posts := countPOSTs(h, func() gaussdbtest.Response {
		mu.Lock()
		defer mu.Unlock()
		if firstPOST.IsZero() {
			firstPOST = time.Now()
		}
		return gaussdbtest.Response{}
	})
	h.start()
	h.slash(requester, h.backupCommand("approved across a failover"))
	msg := h.approvalMessage(1)
	value := approveValue(t, h, msg)
	if got := primary().Do(t, "WAIT", replicas, 5000).(int64); got < int64(replicas) {
		t.Fatalf("the request reached %d of %d replicas before the kill", got, replicas)
	}

	killed := time.Now()
	promoted := failover()
	clicks := approveUntilActed(t, h, msg, killed.Add(availableLimit))
	jobAt := time.Now()
	mu.Lock()
	called := firstPOST
	mu.Unlock()
	t.Logf("%d click(s); promotion seen %s after the kill; restore called %s after the kill (%s after the promotion); job ID in the thread %s after the kill",
		clicks, promoted.Sub(killed).Round(time.Millisecond), called.Sub(killed).Round(time.Millisecond),
		called.Sub(promoted).Round(time.Millisecond), jobAt.Sub(killed).Round(time.Millisecond))
	if took := called.Sub(killed); took > availableLimit {
		t.Errorf("restore called %s after the kill; want within %s", took, availableLimit)
	}

	clickAcross(t, h, approver2, msg, value) // a second approval finds it done
	if n := posts.Load(); n != 1 {
		t.Fatalf("restore POSTs: %d, want exactly 1", n)
	}
	calls := h.gauss.RestoreCalls()
	if len(calls) != 1 || calls[0].Call != (restore.Call{SourceID: h.source.ID, TargetID: h.target.ID, Type: restore.TypeBackup, BackupID: h.backup.ID}) {
		t.Fatalf("GaussDB saw %+v; want one restore of backup %s onto %s", calls, h.backup.ID, h.target.ID)
	}
}

// approveUntilActed clicks Approve on m until the approval is acted on
// (the job ID in the thread). A click the store could not take (Redis
// still switching over: the approver is told so privately) is repeated;
// a request ended "not called" fails the test: these topologies must
// confirm approvals through one failure. It returns the clicks it took.
func approveUntilActed(t *testing.T, h *harness, m slacktest.Message, deadline time.Time) int {
	t.Helper()
	for clicks := 1; ; clicks++ {
		eph := len(h.slack.Ephemerals(approver))
		h.click(approver, m, "approve")
		answered := time.Now().Add(8 * time.Second) // the WAIT (5s) and the POST
		for time.Now().Before(answered) {
			for _, r := range h.slack.Thread(m.Channel, m.TS) {
				switch {
				case strings.Contains(r.Text, jobPosted):
					return clicks
				case strings.Contains(r.Text, notCalled):
					t.Fatalf("the approval after the failover was not acted on: %q", r.Text)
				}
			}
			if len(h.slack.Ephemerals(approver)) > eph {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no approval acted on by %s; the approver was told %q", deadline.Format(time.TimeOnly), lastText(h.slack.Ephemerals(approver)))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func lastText(ms []slacktest.Message) string {
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1].Text
}
