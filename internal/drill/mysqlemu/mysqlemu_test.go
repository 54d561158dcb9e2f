package mysqlemu_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/drill/mysqlemu"
	"github.com/dbrestore/db-restore/internal/policy"
)

func TestChecksAgainstTheEmulator(t *testing.T) {
	s, err := mysqlemu.Start(map[string]int{"shop.orders": 1500, "shop.customers": 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetPassword("root", "Gen~Pw#1-x")
	e, _ := policy.ParseExpect(">= 1000")
	checks := []policy.Check{
		{SQL: "SELECT COUNT(*) FROM shop.orders", Expect: e, Timeout: 5 * time.Second},
		{TablesExist: []string{"shop.orders", "shop.refunds"}, Timeout: 5 * time.Second},
		{SQL: "SELECT COUNT(*) FROM shop.gone", Expect: e, Timeout: 5 * time.Second},
		{SQL: "DELETE FROM shop.orders", Expect: policy.Expect{Op: "nonempty"}, Timeout: 5 * time.Second},
	}
	rs := drill.RunChecks(context.Background(), drill.Target{Addr: s.Addr, User: "root", Password: "Gen~Pw#1-x"}, checks)
	want := []struct {
		pass   bool
		reason string
	}{{true, ""}, {true, ""}, {false, "missing: shop.refunds"}, {false, "1146"}, {false, "READ ONLY"}}
	if len(rs) != len(want) {
		t.Fatalf("got %d results: %+v", len(rs), rs)
	}
	for i, w := range want {
		if rs[i].Pass != w.pass || !strings.Contains(rs[i].Reason, w.reason) {
			t.Errorf("check %d (%s) = %+v, want pass=%v reason %q", i, rs[i].Check, rs[i], w.pass, w.reason)
		}
	}
	if rs[1].Got != "1500" {
		t.Errorf("count got %q, want 1500", rs[1].Got)
	}
	bad := drill.RunChecks(context.Background(), drill.Target{Addr: s.Addr, User: "root", Password: "wrong"}, nil)
	if len(bad) != 1 || bad[0].Pass || !strings.Contains(bad[0].Reason, "Access denied") {
		t.Errorf("wrong password: %+v", bad)
	}
}
