package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// The topologies deploy/README.md recommends keep approvals working after
// one Redis node dies: a primary with two replicas under Sentinel, and a
// Cluster with two replicas per primary. When the primary is killed
// (SIGKILL by PID) one replica is promoted and the other follows it, so the
// new primary again has a replica to confirm an approval (WAIT); when a
// replica is killed the other still confirms. An approval that reaches its
// threshold right after the failure is confirmed and restored exactly once.
// With one replica the same approval ends "not called" (see
// TestClusterFailoverRecoversInSeconds): the new primary, or the primary
// whose replica died, has none.

// availableLimit is how soon after the kill the approval must have been
// acted on (the restore call made).
const availableLimit = 10 * time.Second

// failure is one node's death in a deployment, as a test causes it.
type failure struct {
	primary  *redistest.Node // holds the request: its replicas must have it first
	replicas int             // how many replicas primary has
	kill     func()          // the death (SIGKILL by PID)
	// promoted, when set, waits until a replica is promoted and returns
	// when that was seen.
	promoted func() time.Time
	// clickEarly approves right after the kill, before the promotion.
	clickEarly bool
}

func TestSentinelTwoReplicasApproveThroughOneFailure(t *testing.T) {
	for _, tt := range []struct {
		name string
		of   func(*redistest.Sentinel) failure
	}{
		{"primary killed, approved after the promotion", func(d *redistest.Sentinel) failure {
			return failure{primary: d.Primary, replicas: 2, kill: d.Primary.Kill, promoted: func() time.Time { return d.Failover(t) }}
		}},
		{"primary killed, approved during the failover", func(d *redistest.Sentinel) failure {
			return failure{primary: d.Primary, replicas: 2, kill: d.Primary.Kill, promoted: func() time.Time { return d.Failover(t) }, clickEarly: true}
		}},
		{"a replica killed", func(d *redistest.Sentinel) failure {
			return failure{primary: d.Primary, replicas: 2, kill: d.Replicas[0].Kill}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := redistest.StartSentinelReplicas(t, 2)
			approveThroughFailure(t, d.URL(), func(*harness) failure { return tt.of(d) })
		})
	}
}

func TestClusterTwoReplicasApproveAfterFailover(t *testing.T) {
	c := redistest.StartClusterReplicas(t, 2)
	approveThroughFailure(t, c.URL(), func(h *harness) failure {
		owner := c.Owner(t, h.prefix+"req:x")
		p := c.Primaries[owner]
		return failure{primary: p, replicas: 2, kill: p.Kill, promoted: func() time.Time { return c.Failover(t, owner) }}
	})
}

// approveThroughFailure runs the bot on the deployment at url, posts a
// request for approval, makes sure the primary's replicas hold it, causes
// the failure (failureOf, given the harness, says which), approves the
// request and checks that GaussDB saw exactly one restore call, the
// request's, within availableLimit of the kill.
func approveThroughFailure(t *testing.T, url string, failureOf func(*harness) failure) {
	h, _ := topoHarness(t, url)
	// Long enough for the surviving replica to follow the new primary: the
	// click's WAIT then returns as soon as that replica has the write.
	h.env["REDIS_WAIT_TIMEOUT"] = "5s"
	f := failureOf(h)
	firstPOST := make(chan time.Time, 1)
	posts := countPOSTs(h, func() gaussdbtest.Response {
		select {
		case firstPOST <- time.Now():
		default:
		}
		return gaussdbtest.Response{}
	})
	h.start()
	h.slash(requester, h.backupCommand("approved through a failure"))
	msg := h.approvalMessage(1)
	value := approveValue(t, h, msg)
	if got := f.primary.Do(t, "WAIT", f.replicas, 5000).(int64); got < int64(f.replicas) {
		t.Fatalf("the request reached %d of %d replicas before the kill", got, f.replicas)
	}

	killed := time.Now()
	f.kill()
	var promoted time.Time
	if f.promoted != nil && !f.clickEarly {
		promoted = f.promoted()
	}
	clicks := approveUntilActed(t, h, msg, killed.Add(availableLimit))
	if f.promoted != nil && f.clickEarly {
		promoted = f.promoted() // seen after the approval: settled for the next click
	}
	called := <-firstPOST
	seen := "no promotion needed"
	if !promoted.IsZero() {
		seen = fmt.Sprintf("promotion seen %s after the kill", promoted.Sub(killed).Round(time.Millisecond))
	}
	t.Logf("%d click(s); restore called %s after the kill; %s", clicks, called.Sub(killed).Round(time.Millisecond), seen)
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
