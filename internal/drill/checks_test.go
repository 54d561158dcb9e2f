package drill_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/drill/mysqltest"
	"github.com/dbrestore/db-restore/internal/policy"
)

func sqlCheck(t *testing.T, q, expect string) policy.Check {
	t.Helper()
	e, err := policy.ParseExpect(expect)
	if err != nil {
		t.Fatalf("ParseExpect(%q): %v", expect, err)
	}
	return policy.Check{SQL: q, Expect: e, Timeout: 10 * time.Second}
}

func TestChecksAgainstMariaDB(t *testing.T) {
	db := mysqltest.New(t, 1200)
	target := drill.Target{Addr: db.Addr, User: db.User, Password: db.Password}
	n := db.Name
	tests := []struct {
		name   string
		check  policy.Check
		pass   bool
		reason string // a part of the reason, when it fails
	}{
		{"count at least", sqlCheck(t, "SELECT COUNT(*) FROM "+n+".orders", ">= 1000"), true, ""},
		{"count too low", sqlCheck(t, "SELECT COUNT(*) FROM "+n+".orders", ">= 5000"), false, "got 1200; want >= 5000"},
		{"count exactly", sqlCheck(t, "SELECT COUNT(*) FROM "+n+".customers", "== 3"), true, ""},
		{"count at most", sqlCheck(t, "SELECT COUNT(*) FROM "+n+".customers", "<= 2"), false, "got 3; want <= 2"},
		{"between, decimals", sqlCheck(t, "SELECT SUM(total) FROM "+n+".orders", "between 1799.99 and 1800"), true, ""},
		{"text", sqlCheck(t, "SELECT status FROM "+n+".meta", "ok"), true, ""},
		{"text differs", sqlCheck(t, "SELECT status FROM "+n+".meta", "degraded"), false, `got "ok"; want "degraded"`},
		{"nonempty", sqlCheck(t, "SELECT id FROM "+n+".customers WHERE name = 'bob'", "nonempty"), true, ""},
		{"empty", sqlCheck(t, "SELECT id FROM "+n+".customers WHERE name = 'zed'", "nonempty"), false, "no rows; want at least one"},
		{"NULL", sqlCheck(t, "SELECT MAX(id) FROM "+n+".customers WHERE id > 10", ">= 1"), false, "got NULL; want >= 1"},
		{"not a number", sqlCheck(t, "SELECT name FROM "+n+".customers WHERE id = 1", ">= 1"), false, `got "ada", not a number`},
		{"tables exist", policy.Check{TablesExist: []string{n + ".orders", n + ".customers"}}, true, ""},
		{"a table missing", policy.Check{TablesExist: []string{n + ".orders", n + ".refunds", "nope.x"}}, false, "missing: " + n + ".refunds, nope.x"},
		{"no such table", sqlCheck(t, "SELECT COUNT(*) FROM "+n+".gone", ">= 1"), false, "the server refused it: 1146"},
		{"statement timeout", policy.Check{SQL: "SELECT SLEEP(5)", Expect: policy.Expect{Op: "nonempty"}, Timeout: 700 * time.Millisecond}, false, "timed out after 700ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := drill.RunChecks(context.Background(), target, []policy.Check{tt.check})
			if len(rs) != 2 {
				t.Fatalf("got %d results %+v, want SELECT 1 and the check", len(rs), rs)
			}
			if !rs[0].Pass || rs[0].Check != "SELECT 1" {
				t.Fatalf("default check = %+v, want SELECT 1 passed", rs[0])
			}
			r := rs[1]
			if r.Pass != tt.pass || !strings.Contains(r.Reason, tt.reason) {
				t.Errorf("got %+v, want pass=%v with reason containing %q", r, tt.pass, tt.reason)
			}
			if tt.pass && r.Reason != "" {
				t.Errorf("a passed check has a reason: %q", r.Reason)
			}
			if strings.Contains(r.Reason+r.Got+r.Check, db.Password) {
				t.Errorf("the password appears in %+v", r)
			}
		})
	}
}

// The session is read-only even for a user who may write: a write fails
// and changes nothing.
func TestChecksSessionIsReadOnly(t *testing.T) {
	db := mysqltest.New(t, 10)
	addr, user, pw := mysqltest.Root()
	target := drill.Target{Addr: addr, User: user, Password: pw}
	for _, q := range []string{"DELETE FROM " + db.Name + ".orders", "UPDATE " + db.Name + ".meta SET status = 'x'"} {
		rs := drill.RunChecks(context.Background(), target, []policy.Check{{SQL: q, Expect: policy.Expect{Op: "nonempty"}, Timeout: 10 * time.Second}})
		if len(rs) != 2 || rs[1].Pass || !strings.Contains(rs[1].Reason, "READ ONLY") {
			t.Errorf("%s: got %+v, want it refused in a READ ONLY transaction", q, rs)
		}
	}
	if got := db.Count(t, "orders"); got != 10 {
		t.Errorf("orders has %d rows after the checks, want 10 (untouched)", got)
	}
}

func TestChecksCredentialsNeverShown(t *testing.T) {
	db := mysqltest.New(t, 1)
	wrong := drill.Target{Addr: db.Addr, User: db.User, Password: "Wrong-" + db.Password}
	rs := drill.RunChecks(context.Background(), wrong, []policy.Check{sqlCheck(t, "SELECT 1", "1")})
	if len(rs) != 2 || rs[0].Pass || rs[1].Pass || !strings.Contains(rs[0].Reason, "Access denied") {
		t.Fatalf("wrong password: got %+v, want access denied and the rest not run", rs)
	}
	if !strings.Contains(rs[1].Reason, "not run") {
		t.Errorf("after a failed SELECT 1: %+v, want not run", rs[1])
	}
	for _, r := range rs {
		for _, secret := range []string{wrong.Password, db.Password} {
			if strings.Contains(r.Reason+r.Got+r.Check, secret) {
				t.Errorf("a password appears in %+v", r)
			}
		}
	}
	if s := wrong.String(); strings.Contains(s, db.Password) {
		t.Errorf("Target.String() = %q shows the password", s)
	}
}

func TestChecksUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close() // nothing listens there now
	target := drill.Target{Addr: a, User: "root", Password: "s3cret-pw"}
	start := time.Now()
	rs := drill.RunChecks(context.Background(), target, []policy.Check{{TablesExist: []string{"shop.orders"}}})
	if len(rs) != 2 || rs[0].Pass || !strings.Contains(rs[0].Reason, "cannot reach "+a) || strings.Contains(rs[0].Reason, "s3cret-pw") {
		t.Fatalf("got %+v, want cannot reach %s without the password", rs, a)
	}
	if drill.Passed(rs) {
		t.Error("Passed = true for an unreachable instance")
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

// A check that hangs on a server that accepts but never answers ends at
// its timeout.
func TestChecksSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := drill.WithRunDeadline(context.Background(), time.Now().Add(time.Second))
	defer cancel()
	start := time.Now()
	rs := drill.RunChecks(ctx, drill.Target{Addr: l.Addr().String(), User: "root", Password: "x"}, nil)
	if len(rs) != 1 || rs[0].Pass || rs[0].Reason != "stopped: the run's time ran out" {
		t.Fatalf("got %+v, want stopped as the run's time ran out", rs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v past a 1s run deadline", d)
	}
}
