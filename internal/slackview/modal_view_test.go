package slackview

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Fixtures shared by the form's tests.
var (
	srcID   = "0123456789abcdef0123456789ab0001in07"
	tgtID   = "0123456789abcdef0123456789ab0002in07"
	oldID   = "0123456789abcdef0123456789ab0003in07" // another version
	busyID  = "0123456789abcdef0123456789ab0004in07" // not ACTIVE
	caseID  = "0123456789abcdef0123456789ab0005in07" // other lower_case_table_names
	backup1 = "0123456789abcdef0123456789ab0001br07"
	backup2 = "0123456789abcdef0123456789ab0002br07"

	formNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

	fixtureInstances = []restore.Instance{
		{ID: caseID, Name: "billing-replica", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"},
		{ID: oldID, Name: "legacy-db", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "5.7"},
		{ID: srcID, Name: "orders-prod", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"},
		{ID: tgtID, Name: "orders-restore", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"},
		{ID: busyID, Name: "orders-staging", Status: "REBOOTING", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"},
	}
	fixtureBackups = []restore.Backup{
		{ID: backup2, Name: "manual-before-migration", InstanceID: srcID, Status: "COMPLETED", Type: "manual",
			Begin: formNow.Add(-3 * time.Hour), End: formNow.Add(-170 * time.Minute), SizeMB: 512},
		{ID: backup1, Name: "nightly", InstanceID: srcID, Status: "COMPLETED", Type: "auto",
			Begin: formNow.Add(-26 * time.Hour), End: formNow.Add(-25 * time.Hour), SizeMB: 20480},
	}
	fixtureWindows = []restore.Window{{Start: formNow.Add(-7 * 24 * time.Hour), End: formNow.Add(-time.Minute)}}
	fixtureMeta    = FormMeta{Channel: "C0OPS0001", Requester: "UREQ0001", TZ: "Asia/Shanghai"}
)

func sourceMeta() FormMeta {
	m := fixtureMeta
	m.Source, m.SourceName = srcID, "orders-prod"
	return m
}

func sourceData() FormData {
	return FormData{
		Instances: fixtureInstances, Source: fixtureInstances[2], Backups: fixtureBackups,
		Windows: fixtureWindows, Targets: []restore.Instance{fixtureInstances[3]},
	}
}

// formStates are the form's states people see, each kept as golden JSON.
func formStates() map[string]slack.ModalViewRequest {
	picked := formNow.Add(-90 * time.Minute).Unix()
	refused := sourceData()
	refused.Summary = ":warning: *Not requested:* GaussDB does not accept the target shown below. Change it and submit again."
	refused.Problems = map[string]string{PerSource(FieldTarget, srcID): Explain(testLog(), &restore.FieldError{
		Field: "target", Problem: "lower_case_table_names differs", Accepted: "an instance with lower_case_table_names=1, like the source"})}
	return map[string]slack.ModalViewRequest{
		"loading": LoadingView(),
		"initial": FormView(fixtureMeta, FormValues{Type: restore.TypeBackup}, FormData{Instances: fixtureInstances}),
		"backup_chosen": FormView(sourceMeta(), FormValues{Source: srcID, Type: restore.TypeBackup, Backup: backup1, Target: tgtID,
			Reason: "recover rows deleted by job 4412", Ticket: "https://tickets.example.com/INC-4412"}, sourceData()),
		"point_in_time_chosen": FormView(sourceMeta(), FormValues{Source: srcID, Type: restore.TypeTimestamp, Time: picked, Target: tgtID,
			Reason: "undo the bad migration"}, sourceData()),
		"overwrite_confirmation": FormView(sourceMeta(), FormValues{Source: srcID, Type: restore.TypeBackup, Backup: backup2,
			Target: TargetOriginal, Reason: "roll back the bad migration"}, sourceData()),
		"refused": FormView(sourceMeta(), FormValues{Source: srcID, Type: restore.TypeBackup, Backup: backup1, Target: tgtID,
			Reason: "recover rows"}, refused),
		"checking": CheckingView(),
		"done": DoneView(approvals.Request{ID: "R7K2Q", Channel: "C0APPR001", Params: approvals.Params{
			SourceID: srcID, SourceName: "orders-prod", TargetID: tgtID, TargetName: "orders-restore", Type: approvals.TypeBackup, BackupID: backup1}}),
		"no_instances":      FormView(fixtureMeta, FormValues{Type: restore.TypeBackup}, FormData{}),
		"tables_time_first": FormView(sourceMeta(), FormValues{Source: srcID, Type: restore.TypeTables, Reason: "bad UPDATE"}, sourceData()),
		"tables_chosen": FormView(tablesMeta(picked), FormValues{Source: srcID, Type: restore.TypeTables, Time: picked,
			Tables: []string{"shop.orders", "logs.*"}, Suffix: "before_bug", Reason: "bad UPDATE on orders", Ticket: "INC-981"}, tablesData()),
	}
}

func tablesMeta(at int64) FormMeta {
	m := sourceMeta()
	m.TablesAt = at
	return m
}

// tablesData is the source at the picked time: shop had orders and carts,
// logs had three tables.
func tablesData() FormData {
	d := sourceData()
	d.Tables = []restore.Database{{Name: "logs", Tables: []string{"a", "b", "c"}}, {Name: "shop", Tables: []string{"carts", "orders"}}}
	return d
}

func TestFormGolden(t *testing.T) {
	for name, view := range formStates() {
		t.Run(name, func(t *testing.T) { checkGoldenView(t, "modal_"+name+".json", view) })
	}
}

// checkGoldenView compares a view with its golden file under testdata
// (rewritten with -update), after checking that Slack would take it.
func checkGoldenView(t *testing.T, file string, view any) {
	t.Helper()
	got, err := json.MarshalIndent(view, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if problems := slacktest.CheckView(got); len(problems) > 0 {
		t.Errorf("Slack would refuse the view: %q", problems)
	}
	checkGoldenFile(t, file, got)
}

// checkGoldenFile compares got with the file under testdata (rewritten
// with -update).
func checkGoldenFile(t *testing.T, file string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s", path, got)
	}
}

// TestFormStatesShowWhatTheyShould checks the golden states' content, so
// that a careless -update cannot bless a broken form.
func TestFormStatesShowWhatTheyShould(t *testing.T) {
	states := formStates()
	picked := time.Unix(formNow.Add(-90*time.Minute).Unix(), 0).UTC()
	tests := []struct {
		state       string
		want, avoid []string
	}{
		{"loading", []string{"Loading"}, []string{`"submit"`}},
		{"initial", []string{`"block_id":"source"`, `"type":"static_select"`, "orders-prod · …0001in07 · 8.0 · ACTIVE", `"block_id":"type"`, `"dispatch_action":true`,
			`"block_id":"reason"`, `"block_id":"ticket"`, `"callback_id":"restore_request"`},
			[]string{`"block_id":"backup.`, `"block_id":"target.`, `"block_id":"time"`}},
		{"backup_chosen", []string{`"block_id":"backup.` + srcID, "2026-11-25 18:00 CST · 20.0 GB · auto · nightly", `"block_id":"target.` + srcID,
			"The original instance (overwrite) · orders-prod", `"value":"` + tgtID, "INC-4412"},
			[]string{`"block_id":"confirm.`}},
		{"point_in_time_chosen", []string{`"type":"datetimepicker"`, fmt.Sprintf(`"initial_date_time":%d`, picked.Unix()),
			"Restorable (your time zone, Asia/Shanghai): 2026-11-19 20:00:00 CST to 2026-11-26 19:59:00 CST",
			picked.Format("2006-01-02 15:04:05 UTC"), picked.In(mustZone(t, "Asia/Shanghai")).Format("2006-01-02 15:04:05 CST"),
			fmt.Sprintf("`%d` ms", picked.UnixMilli()), "Inside the restorable window"},
			[]string{`"block_id":"backup.`}},
		{"overwrite_confirmation", []string{"overwrites the current data", `"block_id":"confirm.` + srcID, "Type orders-prod to confirm the overwrite"}, nil},
		{"refused", []string{"Not requested", "lower_case_table_names differs"}, nil},
		{"done", []string{"R7K2Q", "<#C0APPR001>", "waiting for approval"}, []string{`"submit"`}},
		{"tables_time_first", []string{`"value":"tables"`, "Tables at a point in time", `"type":"datetimepicker"`, "Choose the point in time first"},
			[]string{`"block_id":"target.`, `"block_id":"tables.`}},
		{"tables_chosen", []string{`"block_id":"tables.` + srcID, `"type":"multi_external_select"`, `"value":"shop.orders"`, `"value":"logs.*"`,
			"*New names* (4 tables; nothing existing is changed)", "`shop.orders` → `shop.orders_before_bug_" + picked.Format("200601021504") + "`",
			"`logs.a` → `logs.a_before_bug_", `"block_id":"suffix"`, `"initial_value":"before_bug"`, "(2 databases)"},
			[]string{`"block_id":"target.`, `"block_id":"confirm.`}},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			b, _ := json.Marshal(states[tt.state])
			s := unescapeJSON(string(b))
			bad := false
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("view lacks %q", w)
					bad = true
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(s, a) {
					t.Errorf("view should not contain %q", a)
					bad = true
				}
			}
			if bad {
				t.Logf("view: %s", s)
			}
		})
	}
}

// TestTargetsOfferOnlyWhatTheAPIAccepts checks the target menu: a new
// instance first (issue 17), the original instance, then only the eligible
// instances given.
func TestTargetsOfferOnlyWhatTheAPIAccepts(t *testing.T) {
	el, ok := targetElement(FormValues{Source: srcID}, sourceData()).(*slack.SelectBlockElement)
	if !ok {
		t.Fatalf("target element: got %T, want a static select", el)
	}
	var got []string
	for _, o := range el.Options {
		got = append(got, o.Value)
	}
	if want := []string{TargetNew, TargetOriginal, tgtID}; !slices.Equal(got, want) {
		t.Errorf("target options: got %q, want %q", got, want)
	}
	d := FormValues{Source: srcID, Target: TargetNew, Type: restore.TypeBackup, Backup: "b1", Reason: "look"}.Draft()
	if !d.NewInstance || d.Target != "" || d.BackupID != "b1" {
		t.Errorf("the new-instance target drafts %+v, want target=new", d)
	}
}

func TestFormLimits(t *testing.T) {
	long := strings.Repeat("数据库", 40) // 120 characters, 360 bytes
	var many []restore.Instance
	for i := 0; i < 250; i++ {
		many = append(many, restore.Instance{ID: fmt.Sprintf("%032xin07", i), Name: fmt.Sprintf("%s-%03d", long, i),
			Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"})
	}
	var backups []restore.Backup
	for i := 0; i < 150; i++ {
		backups = append(backups, restore.Backup{ID: fmt.Sprintf("%032xbr07", i), Name: long, Status: "COMPLETED",
			Begin: formNow.Add(-time.Duration(i) * time.Hour), SizeMB: 1e7})
	}
	var windows []restore.Window
	for i := 0; i < 200; i++ {
		windows = append(windows, restore.Window{Start: formNow.Add(-time.Duration(2*i+1) * time.Hour), End: formNow.Add(-time.Duration(2*i) * time.Hour)})
	}
	problems := map[string]string{}
	for _, k := range []string{FieldSource, FieldType, FieldTime, FieldReason, FieldTicket, "nowhere", PerSource(FieldTarget, many[0].ID),
		PerSource(FieldBackup, many[0].ID), PerSource(FieldConfirm, many[0].ID)} {
		problems[k] = strings.Repeat("<!channel> too long ", 400)
	}
	meta := FormMeta{Channel: "C0OPS0001", Requester: "UREQ0001", TZ: "America/Argentina/ComodRivadavia",
		Source: many[0].ID, SourceName: strings.Repeat("n", 5000)}
	worst := FormData{Instances: many, Source: many[0], Backups: backups, Windows: windows, Targets: many[1:],
		LoadErr: strings.Repeat("x", 5000), Summary: strings.Repeat("y", 5000), Problems: problems}
	views := map[string]slack.ModalViewRequest{
		"backup":    FormView(meta, FormValues{Source: many[0].ID, Type: restore.TypeBackup, Backup: backups[0].ID, Target: TargetOriginal, Reason: strings.Repeat("r", 900), Ticket: strings.Repeat("t", 900), Confirm: strings.Repeat("c", 900)}, worst),
		"timestamp": FormView(meta, FormValues{Source: many[0].ID, Type: restore.TypeTimestamp, Time: formNow.Unix(), Target: many[7].ID}, worst),
	}
	for name, v := range formStates() {
		views[name] = v
	}
	for name, v := range views {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if p := slacktest.CheckView(raw); len(p) > 0 {
				t.Errorf("Slack would refuse the view: %q", p)
			}
			// Each limit, checked here as well, in case the checker misses one.
			if n := utf8.RuneCountInString(v.Title.Text); n > 24 {
				t.Errorf("title has %d characters, limit 24", n)
			}
			if n := len(v.Blocks.BlockSet); n > 100 {
				t.Errorf("%d blocks, limit 100", n)
			}
			if n := utf8.RuneCountInString(v.PrivateMetadata); n > 3000 {
				t.Errorf("private_metadata has %d characters, limit 3000", n)
			}
			walkJSON(raw, func(key string, val any) {
				switch {
				case key == "text":
					if s, ok := val.(string); ok && utf8.RuneCountInString(s) > 3000 {
						t.Errorf("a text has %d characters, limit 3000", utf8.RuneCountInString(s))
					}
				case key == "options":
					if a, ok := val.([]any); ok && len(a) > 100 {
						t.Errorf("a select has %d options, limit 100", len(a))
					}
				}
			})
		})
	}
	t.Run("many instances use external selects", func(t *testing.T) {
		raw, _ := json.Marshal(views["timestamp"])
		if n := strings.Count(string(raw), `"type":"external_select"`); n != 2 {
			t.Errorf("got %d external selects, want 2 (source and target) for 250 instances", n)
		}
	})
}

// walkJSON calls fn for every key of every object in raw.
func walkJSON(raw []byte, fn func(key string, val any)) {
	var v any
	_ = json.Unmarshal(raw, &v)
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				fn(k, val)
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	walk(v)
}

func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(s)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func testLog() zerolog.Logger { return zerolog.Nop() }
