package slackview

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
)

func TestTableChoices(t *testing.T) {
	dbs := []restore.Database{{Name: "logs", Tables: []string{"a", "b"}}, {Name: "shop", Tables: []string{"carts", "orders"}}}
	values := func(q string) []string {
		var out []string
		for _, o := range TableChoices(dbs, q) {
			out = append(out, o.Value)
		}
		return out
	}
	if diff := cmp.Diff([]string{"logs.*", "shop.*", "logs.a", "logs.b", "shop.carts", "shop.orders"}, values("")); diff != "" {
		t.Errorf("all (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"shop.orders"}, values("SHOP or")); diff != "" {
		t.Errorf("search (-want +got):\n%s", diff)
	}
	many := []restore.Database{{Name: "big"}}
	for i := 0; i < 500; i++ {
		many[0].Tables = append(many[0].Tables, strings.Repeat("t", 1+i%60))
	}
	if n := len(TableChoices(many, "")); n != MaxOptions {
		t.Errorf("%d options, want Slack's limit %d", n, MaxOptions)
	}
}

func TestCheckFormTables(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m := FormMeta{Source: "s", SourceName: "orders-prod", Requester: "U1"}
	inputs := map[string]bool{FieldSource: true, FieldType: true, FieldTime: true, PerSource(FieldTables, "s"): true, FieldReason: true, FieldSuffix: true}
	v := FormValues{Source: "s", Type: restore.TypeTables, Time: now.Add(-time.Hour).Unix(), Reason: "bad UPDATE"}
	errs := CheckForm(m, v, inputs, now)
	if !strings.Contains(errs[PerSource(FieldTables, "s")], "Choose at least one table") || len(errs) != 1 {
		t.Errorf("no tables: %v", errs)
	}
	v.Tables = []string{"shop.orders"}
	if errs := CheckForm(m, v, inputs, now); errs != nil {
		t.Errorf("tables chosen, no target needed: %v", errs)
	}
	d := v.Draft()
	if d.Target != "" || d.Time != strconv.FormatInt(v.Time*1000, 10) || len(d.Tables) != 1 || d.BackupID != "" {
		t.Errorf("draft %+v", d)
	}
	if got := ProblemField(restore.FieldTables, "s"); got != PerSource(FieldTables, "s") {
		t.Errorf("a tables refusal shows under %q", got)
	}
}
