package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
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
