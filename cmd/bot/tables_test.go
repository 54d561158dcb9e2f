package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// withTables gives the source a history: shop.carts was dropped an hour ago
// and shop.coupons created 30 minutes ago, so the tables at tablesAt (two
// hours ago) differ from today's. It returns tablesAt, a whole minute.
func (h *harness) withTables() time.Time {
	now := time.Now().UTC()
	at := now.Add(-2 * time.Hour).Truncate(time.Minute)
	old := now.Add(-30 * 24 * time.Hour)
	h.gauss.AddTables(h.source.ID,
		gaussdbtest.Table{Database: "shop", Name: "orders", Created: old},
		gaussdbtest.Table{Database: "shop", Name: "payments", Created: old},
		gaussdbtest.Table{Database: "shop", Name: "carts", Created: old, Dropped: now.Add(-time.Hour)},
		gaussdbtest.Table{Database: "shop", Name: "coupons", Created: now.Add(-30 * time.Minute)},
	)
	return at
}

func tablesCommand(source, tables string, at time.Time, extra string) string {
	return fmt.Sprintf(`source=%s tables="%s" time=%s reason="bad UPDATE on orders" %s`, source, tables, at.Format(time.RFC3339), extra)
}

func TestTableRestoreRefusals(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_MAX_TABLES"] = "2"
	at := h.withTables()
	h.gauss.AddTables(h.source.ID, gaussdbtest.Table{Database: "shop", Name: restore.NewTableName("orders", "taken", at)})
	h.start()
	tests := []struct {
		name, text string
		says       []string
	}{
		{"a table that did not exist at TIME", tablesCommand("orders-prod", "shop.coupons", at, ""), []string{"tables", "shop.coupons", "not there at"}},
		{"a name collision", tablesCommand("orders-prod", "shop.orders", at, "suffix=taken"), []string{"already exists", "suffix="}},
		{"a time outside the window", tablesCommand("orders-prod", "shop.orders", time.Now().Add(-30*24*time.Hour), ""), []string{"outside every restorable window"}},
		{"too many tables", tablesCommand("orders-prod", "shop.*", at, ""), []string{"at most 2 tables", "RESTORE_MAX_TABLES"}},
	}
	for _, tt := range tests {
		h.slash(requester, tt.text)
		h.ephemeralHas(requester, tt.says...)
	}
	// target= is refused in the ack itself, saying why.
	ack := h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, "target=orders-restore"))
	if !strings.Contains(string(ack.Payload), "target= cannot be used with tables=") || !strings.Contains(string(ack.Payload), "nothing existing is overwritten") {
		t.Errorf("target= ack: %s", ack.Payload)
	}
	if _, total, _ := h.store().List(h.ctx(), 0, 10); total != 0 || len(h.slack.Messages(approvals_)) != 0 {
		t.Fatalf("refused table requests were stored (%d) or posted", total)
	}
}

func TestTableRestoreApprovalMessage(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	for i := 0; i < 12; i++ {
		h.gauss.AddTables(h.source.ID, gaussdbtest.Table{Database: "logs", Name: fmt.Sprintf("t%02d", i), Created: at.Add(-time.Hour)})
	}
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "logs.*,shop.carts", at, `suffix=before_bug ticket="INC-7"`))
	msg := h.approvalMessage(1)
	text := blocksText(msg)
	stamp := at.Format("200601021504")
	for _, want := range []string{
		"Restores 13 tables of *orders-prod*", "as of " + at.Format("2006-01-02 15:04 UTC"), "under new names; nothing existing is changed",
		"`logs.t00` → `logs.t00_before_bug_" + stamp + "`", "…and 3 more, listed in the thread", "needs 1 of", "(rule default)",
		"tables at a point in time",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("approval message lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "shop.carts` →") || strings.Contains(text, "*Target*") {
		t.Errorf("approval message shows more than ten renames or a target:\n%s", text)
	}
	h.threadHas(msg, "Old → new names 11 to 13 of 13", "`shop.carts` → `shop.carts_before_bug_"+stamp+"` (dropped since)")
}

func TestTableRestoreEndToEnd(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.*", at, `ticket="INC-42"`))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	stamp := at.Format("200601021504")
	if text := blocksText(msg); !strings.Contains(text, "Restores 3 tables of *orders-prod*") || strings.Contains(text, "coupons") {
		t.Errorf("db.* should expand to the three tables that existed at %s (carts, orders, payments, not coupons):\n%s", at, text)
	}
	h.ephemeralHas(requester, id, "waiting for approval")

	h.click(approver, msg, "approve")
	h.threadHas(msg, "Job ID")
	h.threadHas(msg, "3 tables created in *orders-prod*", "`shop.orders_restored_"+stamp+"`", "nothing existing was changed")
	sql := h.threadHas(msg, "To compare and swap in", "RENAME TABLE")
	for _, want := range []string{
		"RENAME TABLE `shop`.`orders` TO `shop`.`orders_replaced_",                           // the live table aside…
		"`shop`.`orders_restored_" + stamp + "` TO `shop`.`orders`;",                         // …and the restored one in
		"RENAME TABLE `shop`.`carts_restored_" + stamp + "` TO `shop`.`carts`;",              // dropped: just takes its name back
		"CHECKSUM TABLE `shop`.`payments`, `shop`.`payments_restored_" + stamp + "`;", "```", // shown as code
	} {
		if !strings.Contains(sql.Text, want) {
			t.Errorf("swap SQL lacks %q:\n%s", want, sql.Text)
		}
	}

	if n := len(h.restoreCalls()); n != 0 {
		t.Errorf("%d whole-instance restore calls for a table restore", n)
	}
	calls := h.gauss.TableRestoreCalls()
	if len(calls) != 1 {
		t.Fatalf("table restore calls: %d, want exactly 1", len(calls))
	}
	want := restore.TableCall{InstanceID: h.source.ID, RestoreTimeMs: at.UnixMilli(), Tables: []restore.TableRename{
		{Database: "shop", OldName: "carts", NewName: "carts_restored_" + stamp},
		{Database: "shop", OldName: "orders", NewName: "orders_restored_" + stamp},
		{Database: "shop", OldName: "payments", NewName: "payments_restored_" + stamp},
	}}
	if diff := cmp.Diff(want, calls[0].Call); diff != "" || calls[0].Status != 200 {
		t.Errorf("table restore call (status %d) (-want +got):\n%s", calls[0].Status, diff)
	}
	if !strings.Contains(string(calls[0].Body), `"restore_time":"`+fmt.Sprint(at.UnixMilli())+`"`) || !strings.Contains(string(calls[0].Body), `"last_table_info":"false"`) {
		t.Errorf("body %s: restore_time must be a string of ms and last_table_info false", calls[0].Body)
	}
	req, err := h.store().Get(h.ctx(), id)
	if err != nil || req.State != approvals.StateCompleted {
		t.Fatalf("stored request %s, %v; want completed", req.State, err)
	}
	for _, name := range []string{"shop.carts_restored_" + stamp, "shop.orders", "shop.coupons"} {
		if !slices.Contains(h.gauss.TablesNow(h.source.ID), name) {
			t.Errorf("after the job the source lacks %s: %v", name, h.gauss.TablesNow(h.source.ID))
		}
	}
}

func TestTableRestoreConcurrentApprovalsOneCall(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg := h.approvalMessage(1)
	id := requestID(t, msg)
	r, err := h.store().Get(h.ctx(), id)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		user := []string{approver, approver2}[i%2]
		wg.Go(func() { h.staleClick(user, msg, "approve", id+"|"+r.ParamHash) })
	}
	wg.Wait()
	h.threadHas(msg, "1 table created in", "orders_restored_")
	if n := len(h.gauss.TableRestoreCalls()); n != 1 {
		t.Fatalf("table restore calls: %d, want exactly 1", n)
	}
}

func TestTableRestoreUnknownOutcomeIsNotRetried(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.gauss.SetTableRestoreBehaviour(func(restore.TableCall) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 504, Body: "gateway timeout"}
	})
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Outcome unknown", "NOT retried")
	if n := len(h.gauss.TableRestoreCalls()); n != 1 {
		t.Fatalf("table restore calls: %d, want exactly 1", n)
	}
}

func TestTableRestorePolicy(t *testing.T) {
	h := newHarness(t)
	h.withPolicy(t, fmt.Sprintf(`default:
  approvers: [%s]
rules:
  - name: orders
    match: {name: "orders-prod"}
    approvers: [%s, %s]
    required_approvals: 2
    safety_backup: true
    table_restore: {approvers: [%s], required_approvals: 1}
  - name: locked
    match: {name: "orders-restore"}
    approvers: [%s]
    table_restore: {allowed: false}
`, approver, approver, dbaGroup, approver2, approver))
	at := h.withTables()
	h.start()

	h.slash(requester, "policy orders-prod")
	h.ephemeralHas(requester, "needs 2 of", "Table restores (tables=): needs 1 of <@"+approver2+">", "no safety backup")

	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg := h.approvalMessage(1)
	if text := blocksText(msg); !strings.Contains(text, "needs 1 of <@"+approver2+"> (rule orders)") || strings.Contains(text, "safety backup") {
		t.Errorf("approval message should use the table_restore approvers and no safety backup:\n%s", text)
	}
	h.click(approver, msg, "approve") // an approver of the rule, not of its table restores
	h.ephemeralHas(approver, "not an approver")
	h.click(approver2, msg, "approve")
	h.threadHas(msg, "1 table created in")
	if n := len(h.gauss.TableRestoreCalls()); n != 1 {
		t.Fatalf("table restore calls: %d, want 1", n)
	}
	for _, c := range h.gauss.Requests() {
		if strings.HasSuffix(c.Path, "/backups/create") {
			t.Errorf("a safety backup was taken for a table restore: %+v", c)
		}
	}

	h.gauss.SetRestoreWindows(h.target.ID, restore.Window{Start: at.Add(-time.Hour), End: at.Add(time.Hour)})
	h.gauss.AddTables(h.target.ID, gaussdbtest.Table{Database: "shop", Name: "orders"})
	h.slash(requester, tablesCommand("orders-restore", "shop.orders", at, ""))
	h.ephemeralHas(requester, `does not allow table restores`)
}

func TestEstimatedDuration(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	// Nothing followed yet: the estimate comes from the backup (an hour, 2 GB).
	h.slash(requester, h.backupCommand("first"))
	msg := h.approvalMessage(1)
	if text := blocksText(msg); !strings.Contains(text, "Estimated duration:* about 60 min. This is an estimate, from backup "+h.backup.ID+": 2.0 GB, taken in 60 min") {
		t.Errorf("first estimate:\n%s", text)
	}
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Restore completed", "the estimate was about 60 min, so quicker than estimated")

	// Now this instance's followed restore is the basis.
	h.slash(requester, h.backupCommand("second"))
	msg2 := h.approvalMessage(2)
	if text := blocksText(msg2); !strings.Contains(text, "from the median of the 1 latest backup restore of this instance the bot followed") {
		t.Errorf("second estimate:\n%s", text)
	}
	// Table restores have their own history; the backup bounds them.
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg3 := h.approvalMessage(3)
	if text := blocksText(msg3); !strings.Contains(text, "Estimated duration:* about 60 min") || !strings.Contains(text, "only some tables are restored, so likely less") {
		t.Errorf("table restore estimate:\n%s", text)
	}
}

func TestTableRestoreThroughTheForm(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	src := h.source.ID
	h.slash(requester, "")
	v := h.openedForm(requester)
	h.change(requester, v.ID, "source", src, nil, formState{"source": {"source": sel(src)}})
	h.viewHas(v.ID, `"block_id":"target.`+src+`"`)
	base := formState{"source": {"source": sel(src)}, "type": {"type": radio("tables")}}
	h.change(requester, v.ID, "type", "tables", nil, base)
	h.viewHas(v.ID, `"type":"datetimepicker"`, "Choose the point in time first")
	withTime := formState{"source": {"source": sel(src)}, "type": {"type": radio("tables")}, "time": {"time": picked(at)}}
	h.change(requester, v.ID, "time", "", map[string]any{"selected_date_time": at.Unix()}, withTime)
	h.viewHas(v.ID, `"type":"multi_external_select"`, "(1 databases)")

	// The search lists what existed then: carts yes, coupons no.
	ack, err := h.slack.BlockSuggestion(h.ctx(), slacktest.Suggestion{UserID: requester, ViewID: v.ID, ActionID: "tables", Value: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(ack.Payload); !strings.Contains(s, `"shop.carts"`) || !strings.Contains(s, `"shop.*"`) || strings.Contains(s, "coupons") {
		t.Errorf("table suggestions: %s", s)
	}
	chosen := map[string]any{"type": "multi_external_select", "selected_options": []any{map[string]any{"value": "shop.carts"}, map[string]any{"value": "shop.orders"}}}
	state := formState{"source": {"source": sel(src)}, "type": {"type": radio("tables")}, "time": {"time": picked(at)},
		"tables." + src: {"tables": chosen}, "reason": {"reason": text("rows deleted from carts")}}
	h.change(requester, v.ID, "tables", "", map[string]any{"selected_options": chosen["selected_options"]}, state)
	stamp := at.Format("200601021504")
	h.viewHas(v.ID, "*New names* (2 tables", "`shop.carts` → `shop.carts_restored_"+stamp+"`")

	h.submit(requester, v.ID, state)
	msg := h.approvalMessage(1)
	if text := blocksText(msg); !strings.Contains(text, "Restores 2 tables of *orders-prod*") || !strings.Contains(text, "`shop.orders` → `shop.orders_restored_"+stamp+"`") {
		t.Errorf("approval message from the form:\n%s", text)
	}
}

func TestTableRestoreRecheckedBeforeTheCall(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg := h.approvalMessage(1)
	// Someone creates a table under the new name while people approve.
	h.gauss.AddTables(h.source.ID, gaussdbtest.Table{Database: "shop", Name: restore.NewTableName("orders", "", at)})
	h.click(approver, msg, "approve")
	h.threadHas(msg, "re-check before the restore failed", "already exists")
	if n := len(h.gauss.TableRestoreCalls()); n != 0 {
		t.Fatalf("table restore calls: %d, want 0", n)
	}
}

func TestTableRestoreDryRun(t *testing.T) {
	h := newHarness(t)
	h.env["RESTORE_DRY_RUN"] = "true"
	at := h.withTables()
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, ""))
	msg := h.approvalMessage(1)
	h.click(approver, msg, "approve")
	h.threadHas(msg, "Dry run", "/backups/restore/tables", `"new_name":"orders_restored_`+at.Format("200601021504")+`"`)
	if n := len(h.gauss.TableRestoreCalls()); n != 0 {
		t.Fatalf("table restore calls in a dry run: %d", n)
	}
}

// TestTableRestoreNewNamesReservedAcrossRequests: two table restores of
// the same table in the same minute would create the same new name; the
// second is refused naming the request that holds it, and nothing of it is
// stored or posted.
func TestTableRestoreNewNamesReservedAcrossRequests(t *testing.T) {
	h := newHarness(t)
	at := h.withTables()
	h.start()
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, "suffix=again"))
	first := h.approvalMessage(1)
	h.slash(requester, tablesCommand("orders-prod", "shop.orders", at, "suffix=again"))
	h.ephemeralHas(requester, "Not requested", "already reserved by request `"+requestID(t, first)+"`")
	if _, total, _ := h.store().List(h.ctx(), 0, 10); total != 1 || len(h.slack.Messages(approvals_)) != 1 {
		t.Fatalf("%d requests stored, %d posted; want the first only", total, len(h.slack.Messages(approvals_)))
	}
}
