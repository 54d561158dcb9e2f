package policy

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseDrills(t *testing.T) {
	yml := lines(okDefault,
		"rules:",
		"  - {name: orders, match: {name: 'orders*'}, approvers: [U1A], max_backup_age: 26h}",
		"drills:",
		"  - name: orders-weekly",
		"    match: {name: 'orders*', tags: {env: prod}}",
		`    cron: "0 3 * * 1"`,
		"    time_zone: Europe/Berlin",
		"    checks:",
		`      - sql: "SELECT COUNT(*) FROM shop.orders"`,
		`        expect: ">= 1000"`,
		"      - tables_exist: [shop.orders, shop.customers]",
		`      - {sql: "select status from shop.meta", expect: ok, timeout: 10s}`,
		`      - {sql: "SELECT 2", expect: "between 1 and 2.5"}`,
		"    channel: C0DRILLS",
		"  - name: pitr-daily",
		"    match: {ids: "+idOrders+"}",
		"    every: 24h",
		"    from: point_in_time",
		"    ago: 5m",
		"    max_duration: 90m",
		"    keep: 2h",
	)
	got, err := Parse([]byte(yml), "p.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got.Rules[0].MaxBackupAge != 26*time.Hour {
		t.Errorf("max_backup_age = %v, want 26h", got.Rules[0].MaxBackupAge)
	}
	want := wantDrills()
	rat := cmp.Comparer(func(a, b *big.Rat) bool { return (a == nil) == (b == nil) && (a == nil || a.Cmp(b) == 0) })
	if diff := cmp.Diff(got.Drills, want, rat); diff != "" {
		t.Errorf("drills mismatch (-got +want):\n%s", diff)
	}
	if d, ok := got.Drill("pitr-daily"); !ok || d.Ago != 5*time.Minute {
		t.Errorf("Drill(pitr-daily) = %+v, %v", d, ok)
	}
	if got.Drills[0].Schedule.String() != `cron "0 3 * * 1" (Europe/Berlin)` || got.Drills[1].Schedule.String() != "every 24h" {
		t.Errorf("schedule strings: %q, %q", got.Drills[0].Schedule, got.Drills[1].Schedule)
	}
}

func TestParseDrillErrors(t *testing.T) {
	base := func(extra ...string) string {
		return lines(append([]string{okDefault, "drills:", "  - name: d", "    match: {name: 'x*'}"}, extra...)...)
	}
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown key", base("    every: 24h", "    evry: 1h"), "line 6, drills[0].evry: unknown key (did you mean every?)"},
		{"bad cron", base(`    cron: "0 3 * *"`, "    time_zone: UTC"), `line 5, drills[0].cron: must be a five-field cron expression`},
		{"cron out of range", base(`    cron: "0 25 * * 1"`, "    time_zone: UTC"), `line 5, drills[0].cron: must be a five-field cron expression such as "0 3 * * 1" (minute hour day-of-month month day-of-week); "0 25 * * 1": end of range (25) above maximum (23): 25`},
		{"cron never fires", base(`    cron: "0 3 31 4 *"`, "    time_zone: UTC"), `line 5, drills[0].cron: "0 3 31 4 *" never fires (no such day); check the day and month`},
		{"cron with a zone prefix", base(`    cron: "CRON_TZ=UTC 0 3 * * 1"`, "    time_zone: UTC"), "line 5, drills[0].cron: must not carry a zone; set time_zone: instead"},
		{"cron without zone", base(`    cron: "0 3 * * 1"`), "line 5, drills[0].time_zone: is needed with cron"},
		{"bad zone", base(`    cron: "0 3 * * 1"`, "    time_zone: Mars/Olympus"), `line 6, drills[0].time_zone: must be an IANA time zone such as UTC or Europe/Berlin; "Mars/Olympus" is not one`},
		{"zone with every", base("    every: 24h", "    time_zone: UTC"), "line 6, drills[0].time_zone: applies only with cron"},
		{"no schedule", base(), "line 3, drills[0]: needs a schedule"},
		{"both schedules", base("    every: 24h", `    cron: "0 3 * * 1"`, "    time_zone: UTC"), "line 6, drills[0].cron: a drill has one schedule"},
		{"bad every", base("    every: weekly"), `line 5, drills[0].every: must be a period such as 168h or 24h (a number and a unit: s, m or h); got "weekly"`},
		{"every too short", base("    every: 10s"), "line 5, drills[0].every: must be at least 1m; got 10s"},
		{"days are not a unit", base("    every: 7d"), `drills[0].every: must be a period such as 168h or 24h (a number and a unit: s, m or h); got "7d"`},
		{"bad max_duration", base("    every: 24h", "    max_duration: -1h"), "line 6, drills[0].max_duration: must be at least 1s; got -1h"},
		{"keep too long", base("    every: 24h", "    keep: 200h"), "line 6, drills[0].keep: must be at most 168h; got 200h"},
		{"bad from", base("    every: 24h", "    from: yesterday"), `line 6, drills[0].from: must be latest_backup or point_in_time; got "yesterday"`},
		{"pitr without ago", base("    every: 24h", "    from: point_in_time"), "line 6, drills[0].ago: is needed with from: point_in_time"},
		{"ago without pitr", base("    every: 24h", "    ago: 5m"), "line 6, drills[0].ago: applies only with from: point_in_time"},
		{"sql without expect", base("    every: 24h", "    checks:", "      - sql: SELECT 1"), "line 7, drills[0].checks[0].expect: is needed with sql"},
		{"writing sql", base("    every: 24h", "    checks:", "      - {sql: 'DELETE FROM shop.orders', expect: nonempty}"), `line 7, drills[0].checks[0].sql: must be one read-only statement`},
		{"bad expect", base("    every: 24h", "    checks:", "      - {sql: SELECT 1, expect: '>= many'}"), `line 7, drills[0].checks[0].expect: >= takes a number, e.g. ">= 1000"; got ">= many"`},
		{"empty between", base("    every: 24h", "    checks:", "      - {sql: SELECT 1, expect: 'between 5 and 1'}"), `line 7, drills[0].checks[0].expect: between 5 and 1 is empty`},
		{"bad table", base("    every: 24h", "    checks:", "      - tables_exist: [orders]"), `line 7, drills[0].checks[0].tables_exist[0]: must be a table as db.table`},
		{"unknown check key", base("    every: 24h", "    checks:", "      - {sql: SELECT 1, expect: '1', expected: '2'}"), `line 7, drills[0].checks[0].expected: unknown key (did you mean expect?)`},
		{"duplicate drill", lines(okDefault, "drills:", "  - {name: d, match: {name: x}, every: 1h}", "  - {name: d, match: {name: y}, every: 1h}"), `line 4, drills[1].name: drill name "d" is already used by drills[0]`},
		{"drill without match", lines(okDefault, "drills:", "  - {name: d, every: 1h}"), "line 3, drills[0]: needs a match"},
		{"bad max_backup_age", lines("default: {approvers: [U1A], max_backup_age: 1 day}"), `line 1, default.max_backup_age: must be the age past which the newest completed backup is stale, such as 26h (a number and a unit: s, m or h); got "1 day"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "p.yml")
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.yaml)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error:\n got %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMaxBackupAgeInherited(t *testing.T) {
	got, err := Parse([]byte(lines("default: {approvers: [U1A], max_backup_age: 26h}", "rules:",
		"  - {name: a, match: {name: 'a*'}, approvers: [U1A]}",
		"  - {name: b, match: {name: 'b*'}, approvers: [U1A], max_backup_age: 2h}")), "p.yml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if a, b := got.Rules[0].MaxBackupAge, got.Rules[1].MaxBackupAge; a != 26*time.Hour || b != 2*time.Hour {
		t.Errorf("max_backup_age a=%v b=%v, want 26h (from the default) and 2h", a, b)
	}
}

func TestParseExpect(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: ">= 1000", want: ">= 1000"},
		{in: "<=3", want: "<= 3"},
		{in: "== 42", want: "== 42"},
		{in: "42", want: "== 42"},
		{in: "!= 0", want: "!= 0"},
		{in: "between 1 and 10", want: "between 1 and 10"},
		{in: "nonempty", want: "nonempty"},
		{in: "active", want: `"active"`},
		{in: "= 3", bad: true},
		{in: "between 1 10", bad: true},
		{in: "> x", bad: true},
	}
	for _, tt := range tests {
		e, err := ParseExpect(tt.in)
		switch {
		case tt.bad && err == nil:
			t.Errorf("ParseExpect(%q) = %v, want an error", tt.in, e)
		case !tt.bad && err != nil:
			t.Errorf("ParseExpect(%q): %v", tt.in, err)
		case !tt.bad && e.String() != tt.want:
			t.Errorf("ParseExpect(%q) = %s, want %s", tt.in, e, tt.want)
		}
	}
}

// wantDrills are the drills TestParseDrills parses.
func wantDrills() []Drill {
	return []Drill{{
		Name:     "orders-weekly",
		Match:    Matchers{Names: []string{"orders*"}, Tags: map[string]string{"env": "prod"}},
		Schedule: Schedule{Cron: "0 3 * * 1", TimeZone: "Europe/Berlin"},
		From:     FromLatestBackup,
		Checks: []Check{
			{SQL: "SELECT COUNT(*) FROM shop.orders", Expect: Expect{Op: ">=", Num: big.NewRat(1000, 1)}, Timeout: time.Minute},
			{TablesExist: []string{"shop.orders", "shop.customers"}, Timeout: time.Minute},
			{SQL: "select status from shop.meta", Expect: Expect{Op: "text", Text: "ok"}, Timeout: 10 * time.Second},
			{SQL: "SELECT 2", Expect: Expect{Op: "between", Num: big.NewRat(1, 1), Hi: big.NewRat(5, 2)}, Timeout: time.Minute},
		},
		Channel:     "C0DRILLS",
		MaxDuration: 3 * time.Hour,
	}, {
		Name:        "pitr-daily",
		Match:       Matchers{IDs: []string{idOrders}},
		Schedule:    Schedule{Every: 24 * time.Hour},
		From:        FromPointInTime,
		Ago:         5 * time.Minute,
		MaxDuration: 90 * time.Minute,
		Keep:        2 * time.Hour,
	}}
}

// FuzzParseExpect: any text either is refused or reads back as itself.
func FuzzParseExpect(f *testing.F) {
	for _, s := range []string{">= 1000", "<=3", "== 42", "42", "between 1 and 10", "between 2.5 and 2.5", "nonempty", "ok", "= 3", "> x", "between", "1e400", "-0.5", "\"q\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpect(s)
		if err != nil {
			return
		}
		if e.Op == "text" {
			if e.Text != s {
				t.Errorf("text expectation %q holds %q", s, e.Text)
			}
			return
		}
		again, err := ParseExpect(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("ParseExpect(%q) = %s, which reads back as %v, %v", s, e, again, err)
		}
	})
}
