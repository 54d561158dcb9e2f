package restore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// tableWorld is an instance whose tables changed: shop.carts was dropped an
// hour ago, shop.coupons was created 30 minutes ago, and a table called
// orders_restored_<stamp of noon> already exists in db "taken".
type tableWorld struct {
	srv  *gaussdbtest.Server
	c    *restore.Client
	src  gaussdbtest.Instance
	at   time.Time // a time inside the window when carts existed and coupons did not
	now  time.Time
	v    *restore.Validator
	prod string
}

func newTableWorld(t *testing.T) *tableWorld {
	t.Helper()
	srv, c := newPair(t, gaussdbtest.Options{})
	now := time.Now().UTC().Truncate(time.Second)
	w := &tableWorld{srv: srv, c: c, now: now, at: now.Add(-2 * time.Hour).Truncate(time.Minute)}
	w.src = srv.AddInstance(gaussdbtest.Instance{Name: "shop-prod"})
	srv.SetRestoreWindows(w.src.ID, restore.Window{Start: now.Add(-48 * time.Hour), End: now.Add(-time.Minute)})
	old := now.Add(-30 * 24 * time.Hour)
	srv.AddTables(w.src.ID,
		gaussdbtest.Table{Database: "shop", Name: "orders", Created: old},
		gaussdbtest.Table{Database: "shop", Name: "payments", Created: old},
		gaussdbtest.Table{Database: "shop", Name: "carts", Created: old, Dropped: now.Add(-time.Hour)},
		gaussdbtest.Table{Database: "shop", Name: "coupons", Created: now.Add(-30 * time.Minute)},
		gaussdbtest.Table{Database: "taken", Name: "orders", Created: old},
		gaussdbtest.Table{Database: "taken", Name: restore.NewTableName("orders", "", w.at), Created: old},
	)
	w.v = restore.NewValidator(c, func() time.Time { return now }).WithTables(c)
	return w
}

func TestTableListsDifferByTime(t *testing.T) {
	w := newTableWorld(t)
	ctx := context.Background()
	then, err := w.c.TablesAt(ctx, w.src.ID, w.at, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []restore.Database{{Name: "shop", Tables: []string{"carts", "orders", "payments"}}}
	if diff := cmp.Diff(want, then); diff != "" {
		t.Errorf("TablesAt (-want +got):\n%s", diff)
	}
	current, err := w.c.CurrentTables(ctx, w.src.ID, w.at, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	want = []restore.Database{{Name: "shop", Tables: []string{"coupons", "orders", "payments"}}}
	if diff := cmp.Diff(want, current); diff != "" {
		t.Errorf("CurrentTables (-want +got):\n%s", diff)
	}
	// The paths and query are the SDK's: v3.1 for tables at a time, v3 for now.
	var paths []string
	for _, r := range w.srv.Requests() {
		if strings.HasSuffix(r.Path, "/backups/restore/tables") {
			paths = append(paths, r.Path[:strings.Index(r.Path[1:], "/")+1]+" "+r.Query)
		}
	}
	ms := w.at.UnixMilli()
	wantPaths := []string{
		"/v3.1 database_name=shop&last_table_info=false&restore_time=" + itoa(ms),
		"/v3 database_name=shop&last_table_info=true&restore_time=" + itoa(ms),
	}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestTableCallsAreSigned(t *testing.T) {
	w := newTableWorld(t)
	bad := newClient(t, w.srv, "wrong-sk", 5*time.Second)
	if _, err := bad.TablesAt(context.Background(), w.src.ID, w.at, "", ""); err == nil || !strings.Contains(err.Error(), "APIGW.0301") {
		t.Errorf("TablesAt with a wrong key: %v, want APIGW.0301", err)
	}
	_, err := bad.RestoreTables(context.Background(), restore.TableCall{InstanceID: w.src.ID, RestoreTimeMs: w.at.UnixMilli(),
		Tables: []restore.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_x"}}})
	var rej *restore.RejectedError
	if !asRejected(err, &rej) || rej.Status != 401 {
		t.Errorf("RestoreTables with a wrong key: %v, want a 401 rejection", err)
	}
}

func TestRestoreTablesOneCallAndJob(t *testing.T) {
	w := newTableWorld(t)
	ctx := context.Background()
	call := restore.TableCall{InstanceID: w.src.ID, RestoreTimeMs: w.at.UnixMilli(), Tables: []restore.TableRename{
		{Database: "shop", OldName: "carts", NewName: "carts_r"},
		{Database: "shop", OldName: "orders", NewName: "orders_r"},
	}}
	jobID, err := w.c.RestoreTables(ctx, call)
	if err != nil {
		t.Fatalf("RestoreTables: %v", err)
	}
	calls := w.srv.TableRestoreCalls()
	if len(calls) != 1 {
		t.Fatalf("%d table restore calls, want 1", len(calls))
	}
	var body map[string]any
	if err := json.Unmarshal(calls[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	wantBody := map[string]any{
		"restore_time":    itoa(w.at.UnixMilli()), // a string, as the SDK sends it
		"last_table_info": "false",
		"restore_tables": []any{map[string]any{"database": "shop", "tables": []any{
			map[string]any{"old_name": "carts", "new_name": "carts_r"},
			map[string]any{"old_name": "orders", "new_name": "orders_r"},
		}}},
	}
	if diff := cmp.Diff(wantBody, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if job, err := w.c.Job(ctx, jobID); err != nil || job.Status != "Completed" {
		t.Fatalf("job %v, %v", job, err)
	}
	now := w.srv.TablesNow(w.src.ID)
	for _, want := range []string{"shop.carts_r", "shop.orders_r", "shop.orders"} {
		if !contains(now, want) {
			t.Errorf("tables now %v lack %s", now, want)
		}
	}
	// The fake refuses what the API refuses: a new name that exists.
	_, err = w.c.RestoreTables(ctx, call)
	var rej *restore.RejectedError
	if !asRejected(err, &rej) || rej.Status != 400 {
		t.Errorf("second call onto existing names: %v, want a 400 rejection", err)
	}
}

func TestRestoreTablesUnknownOutcome(t *testing.T) {
	w := newTableWorld(t)
	w.srv.SetTableRestoreBehaviour(func(restore.TableCall) gaussdbtest.Response {
		return gaussdbtest.Response{Status: 502, Body: "bad gateway"}
	})
	_, err := w.c.RestoreTables(context.Background(), restore.TableCall{InstanceID: w.src.ID, RestoreTimeMs: w.at.UnixMilli(),
		Tables: []restore.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_r"}}})
	if !restore.IsUnknownOutcome(err) {
		t.Errorf("502: %v, want unknown outcome", err)
	}
	if n := len(w.srv.TableRestoreCalls()); n != 1 {
		t.Errorf("%d calls, want exactly 1 (never retried)", n)
	}
}

func TestNewTableName(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 59, 0, time.FixedZone("x", 8*3600))
	tests := []struct{ table, suffix, want string }{
		{"orders", "", "orders_restored_202611260130"},
		{"orders", "_restored", "orders_restored_202611260130"},
		{"orders", "before_bug", "orders_before_bug_202611260130"},
	}
	for _, tt := range tests {
		if got := restore.NewTableName(tt.table, tt.suffix, at); got != tt.want {
			t.Errorf("NewTableName(%q, %q) = %q, want %q", tt.table, tt.suffix, got, tt.want)
		}
	}
	long1, long2 := strings.Repeat("é", 60)+"a", strings.Repeat("é", 60)+"b"
	n1, n2 := restore.NewTableName(long1, "", at), restore.NewTableName(long2, "", at)
	if utf8.RuneCountInString(n1) > 64 || utf8.RuneCountInString(n2) > 64 || n1 == n2 {
		t.Errorf("long names %q, %q: want at most 64 characters and distinct", n1, n2)
	}
}

func TestSwapSQLEscapes(t *testing.T) {
	got := restore.SwapSQL(restore.TableRename{Database: "sh`op", OldName: "orders", NewName: "orders_r", Live: true}, "orders_old")
	for _, want := range []string{"`sh``op`.`orders`", "RENAME TABLE `sh``op`.`orders` TO `sh``op`.`orders_old`, `sh``op`.`orders_r` TO `sh``op`.`orders`;"} {
		if !strings.Contains(got, want) {
			t.Errorf("SwapSQL = %q, lacks %q", got, want)
		}
	}
	dropped := restore.SwapSQL(restore.TableRename{Database: "shop", OldName: "carts", NewName: "carts_r"}, "x")
	if !strings.Contains(dropped, "RENAME TABLE `shop`.`carts_r` TO `shop`.`carts`;") || strings.Contains(dropped, "`x`") {
		t.Errorf("SwapSQL for a dropped table = %q", dropped)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func asRejected(err error, rej **restore.RejectedError) bool { return errors.As(err, rej) }

func TestValidateTables(t *testing.T) {
	w := newTableWorld(t)
	stamp := w.at.Format("200601021504")
	spec := func(tables ...string) restore.Spec {
		return restore.Spec{Source: "shop-prod", Time: w.at, Tables: tables}
	}
	p, err := w.v.Validate(context.Background(), spec("shop.orders", "shop.carts", "shop.orders"))
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := []restore.TableRename{
		{Database: "shop", OldName: "carts", NewName: "carts_restored_" + stamp},
		{Database: "shop", OldName: "orders", NewName: "orders_restored_" + stamp, Live: true},
	}
	if diff := cmp.Diff(want, p.Tables); diff != "" {
		t.Errorf("renames (-want +got):\n%s", diff)
	}
	if p.Type != restore.TypeTables || p.Source.ID != w.src.ID || p.Target.ID != w.src.ID || !p.RestoreTime.Equal(w.at) {
		t.Errorf("plan %+v", p)
	}
	// db.* is every table the database had then: carts yes, coupons no.
	p, err = w.v.Validate(context.Background(), restore.Spec{Source: w.src.ID, Time: w.at, Tables: []string{"shop.*"}, Suffix: "pre_bug"})
	if err != nil {
		t.Fatalf("Validate shop.*: %v", err)
	}
	var got []string
	for _, r := range p.Tables {
		got = append(got, r.Old()+"->"+r.NewName)
	}
	wantNames := []string{"shop.carts->carts_pre_bug_" + stamp, "shop.orders->orders_pre_bug_" + stamp, "shop.payments->payments_pre_bug_" + stamp}
	if diff := cmp.Diff(wantNames, got); diff != "" {
		t.Errorf("shop.* (-want +got):\n%s", diff)
	}
}

func TestValidateTablesRefusals(t *testing.T) {
	w := newTableWorld(t)
	tests := []struct {
		name  string
		spec  func(*tableWorld) restore.Spec
		setup func(*tableWorld)
		field string
		says  string
	}{
		{"table not there at the time", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.coupons"}}
		}, nil, "tables", "shop.coupons"},
		{"case hint", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.Orders"}}
		}, nil, "tables", "did you mean orders"},
		{"new name collides with a current table", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"taken.orders"}}
		}, nil, "suffix", "already exists"},
		{"time outside the window", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.now.Add(-72 * time.Hour), Tables: []string{"shop.orders"}}
		}, nil, "time", "outside every restorable window"},
		{"target given", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Target: "other", Time: w.at, Tables: []string{"shop.orders"}}
		}, nil, "target", "target= does not apply"},
		{"bad identifier", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.ord ers"}}
		}, nil, "tables", "letters, digits"},
		{"not db.table", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"orders"}}
		}, nil, "tables", "not database.table"},
		{"bad suffix", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.orders"}, Suffix: "a-b"}
		}, nil, "suffix", "contains"},
		{"source not active", func(w *tableWorld) restore.Spec {
			return restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.orders"}}
		}, func(w *tableWorld) { w.srv.SetInstanceStatus(w.src.ID, "BACKING UP") }, "source", "BACKING UP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(w)
				defer w.srv.SetInstanceStatus(w.src.ID, "ACTIVE")
			}
			_, err := w.v.Validate(context.Background(), tt.spec(w))
			var fe *restore.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Error(), tt.says) {
				t.Errorf("Validate = %v, want a %s refusal saying %q", err, tt.field, tt.says)
			}
		})
	}
}

func TestValidateTablesMax(t *testing.T) {
	w := newTableWorld(t)
	w.v.WithMaxTables(2)
	_, err := w.v.Validate(context.Background(), restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.*"}})
	var fe *restore.FieldError
	if !errors.As(err, &fe) || fe.Field != "tables" || !strings.Contains(fe.Error(), "at most 2 tables") {
		t.Errorf("Validate 3 tables with max 2 = %v", err)
	}
	if _, err := w.v.Validate(context.Background(), restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.orders", "shop.carts"}}); err != nil {
		t.Errorf("Validate 2 tables with max 2 = %v", err)
	}
}

func TestRecheckTablesSeesNewCollision(t *testing.T) {
	w := newTableWorld(t)
	p, err := w.v.Validate(context.Background(), restore.Spec{Source: "shop-prod", Time: w.at, Tables: []string{"shop.orders"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.v.Recheck(context.Background(), p); err != nil {
		t.Fatalf("Recheck: %v", err)
	}
	w.srv.AddTables(w.src.ID, gaussdbtest.Table{Database: "shop", Name: p.Tables[0].NewName})
	var fe *restore.FieldError
	if err := w.v.Recheck(context.Background(), p); !errors.As(err, &fe) || !strings.Contains(fe.Problem, "already exists") {
		t.Errorf("Recheck after the name was taken = %v", err)
	}
}
