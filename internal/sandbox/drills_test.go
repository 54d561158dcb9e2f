package sandbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/sandbox"
)

// The sample policy's drill runs a few seconds after start: orders-prod's
// newest backup restored to a new instance of the GaussDB emulator, checked
// at the MySQL-protocol emulator with the generated password, deleted, and
// one report in #db-ops.
func TestSandboxRunsTheSampleDrill(t *testing.T) {
	sb := startSandbox(t)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var texts []string
		for _, m := range sb.Slack.Messages(sandbox.OpsChannel) {
			texts = append(texts, m.Text)
		}
		all := strings.Join(texts, "\n")
		if strings.Contains(all, "Restore drill *orders-daily* passed") {
			for _, want := range []string{"started on schedule (every 24h)", "`SELECT COUNT(*) FROM shop.orders`: 1500", "instance deleted", "to ACTIVE"} {
				if !strings.Contains(all, want) {
					t.Errorf("#db-ops lacks %q:\n%s", want, all)
				}
			}
			break
		}
		if strings.Contains(all, "FAILED") || time.Now().After(deadline) {
			t.Fatalf("no passed drill report in #db-ops:\n%s", all)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if calls, dels := sb.GaussDB.CreateCalls(), sb.GaussDB.DeleteCalls(); len(calls) != 1 || len(dels) != 1 {
		t.Errorf("%d create and %d delete calls, want 1 each", len(calls), len(dels))
	}
}

// In the page, #db-ops shows the drill's announcement and its report.
func TestBrowserDrillReport(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t, sb.URL, 1280, 860)
	b.actAs("Ada Admin")
	b.openChannel("db-ops")
	b.waitText("#messages", "Restore drill orders-daily passed")
	b.waitText("#messages", "SELECT COUNT(*) FROM shop.orders")
	b.shot("drill-report")
	b.typeCommand("/db-restore drills")
	b.waitText("#messages", "last run passed")
	b.shot("drills-listing")

	// Only admins run a drill now; Rita is told who may.
	b.actAs("Rita Requester")
	b.typeCommand("/db-restore drill orders-daily now")
	b.waitText("#messages", "You are not allowed to start drill restores")
	b.actAs("Ada Admin")
	b.typeCommand("/db-restore drill orders-daily now")
	b.waitText("#messages", "Drill orders-daily started (run orders-daily-now-")
	b.waitText("#messages", "started asked for by")
	b.waitJS("a second passed report", `[...document.querySelectorAll('#messages *')].filter(e => e.children.length === 0 && e.textContent.includes('passed (run')).length >= 2 || (document.querySelector('#messages').innerText.split('passed (run').length > 2)`)
	if calls := sb.GaussDB.CreateCalls(); len(calls) != 2 {
		t.Errorf("%d create calls after the scheduled run and one asked for now, want 2", len(calls))
	}
}
