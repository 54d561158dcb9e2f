package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// freeAddr is a loopback address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	h := newHarness(t)
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	redisAddr := m.Addr()
	h.useRedis(redisAddr)
	addr := freeAddr(t)
	h.env["HEALTH_ADDR"] = addr
	base := "http://" + addr
	h.start()

	h.waitFor("ready", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz: %d", code)
	}
	m.Close()
	h.waitFor("not ready without Redis", func() bool { code, _ := get(t, base+"/readyz"); return code == 503 })
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz must stay up while Redis is down: %d", code)
	}
	if err := m.StartAddr(redisAddr); err != nil {
		t.Fatal(err)
	}
	h.waitFor("ready again", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })

	h.slash(requester, h.backupCommand("metrics"))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		`db_restore_restore_calls_total{outcome="submitted"} 1`,
		`db_restore_decisions_total{decision="approve",result="executing"} 1`,
		`db_restore_requests_total{state="pending"} 1`,
		`db_restore_envelope_ack_seconds_count{type="slash_commands"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	h.slack.Disconnect("link_disabled")
	h.slack.RejectConnections("link_disabled")
	h.waitFor("not ready without Slack", func() bool { code, _ := get(t, base+"/readyz"); return code == 503 })
	h.slack.RejectConnections("")
}

func TestShutdownFinishesInFlightSubmission(t *testing.T) {
	h := newHarness(t)
	jobID := "0f0f0f0f-1111-2222-3333-444455556666"
	h.gauss.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 200, Body: fmt.Sprintf(`{"job_id":%q}`, jobID), Delay: 1500 * time.Millisecond}
	})
	b := h.start()
	h.slash(requester, h.backupCommand("stop while submitting"))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.waitFor("restore call in flight", func() bool { return len(h.gauss.Requests()) > 0 && len(h.restoreCallsStarted()) > 0 })

	start := time.Now()
	b.cancel() // SIGTERM
	select {
	case err := <-b.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		b.done <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop within 20 s")
	}
	t.Logf("stopped %s after the signal", time.Since(start).Round(time.Millisecond))
	r, err := h.store().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approvals.StateSubmitted || r.JobID != jobID {
		t.Fatalf("after shutdown: state %s job %q; want submitted with %s", r.State, r.JobID, jobID)
	}
	h.threadHas(msg, jobID)
	if n := len(h.restoreCalls()); n != 1 {
		t.Fatalf("restore calls: %d", n)
	}
}

// restoreCallsStarted lists restore POSTs the fake has received, answered or not.
func (h *harness) restoreCallsStarted() []gaussdbtest.Request {
	var out []gaussdbtest.Request
	for _, r := range h.gauss.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/instances/restore") {
			out = append(out, r)
		}
	}
	return out
}

func TestShutdownDuringSafetyBackupCallsNothing(t *testing.T) {
	h := newHarness(t)
	h.gauss.SetRestoreJobPolls(1 << 20) // the safety backup never completes
	b := h.start()
	// Onto the original instance: the default rule takes a safety backup first.
	h.slash(requester, fmt.Sprintf("source=%s backup=%s reason=overwrite", h.source.Name, h.backup.ID))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Taking a safety backup")

	start := time.Now()
	b.cancel() // SIGTERM while waiting for the backup
	select {
	case err := <-b.done:
		b.done <- nil
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a pending safety backup held up the shutdown")
	}
	t.Logf("stopped %s after the signal", time.Since(start).Round(time.Millisecond))
	r, err := h.store().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approvals.StateFailed || !strings.Contains(r.Detail, "stopped before the safety backup") {
		t.Fatalf("after shutdown: state %s detail %q; want failed, saying the restore was not called", r.State, r.Detail)
	}
	if n := len(h.restoreCalls()); n != 0 {
		t.Fatalf("restore calls: %d", n)
	}
}
