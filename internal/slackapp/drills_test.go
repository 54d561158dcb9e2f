package slackapp

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

type postRec struct {
	mu    sync.Mutex
	posts map[string][]string // channel → texts
}

func (p *postRec) PostMessageContext(_ context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	_, vals, err := slack.UnsafeApplyMsgOptions("x", ch, "https://slack.invalid/api/", opts...)
	if err != nil {
		return "", "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts[ch] = append(p.posts[ch], vals.Get("text"))
	return ch, "1.0", nil
}

func sampleRun(pass bool) drill.Run {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	t := drill.TargetRun{SourceID: "8d0a5d3ee1524b2c9c7c1b2d0f0e6d5ein07", SourceName: "orders-<!channel>", BackupID: "b-1",
		Instant: at.Add(-5 * time.Hour), Age: 5 * time.Hour, NewName: "orders-drill-202612070300",
		CalledAt: at, ActiveAt: at.Add(12 * time.Minute), ChecksDoneAt: at.Add(13 * time.Minute), Pass: pass,
		Checks:  []drill.Result{{Check: "SELECT 1", Pass: true, Got: "1"}, {Check: "SELECT COUNT(*) FROM shop.orders", Pass: pass, Got: "1200"}},
		Deleted: true, DeleteNote: "deleted"}
	r := drill.Run{ID: "orders-weekly-20261207T0300Z", Drill: "orders-weekly", Stage: drill.StagePassed, Ended: at.Add(14 * time.Minute), Targets: []drill.TargetRun{t}}
	if !pass {
		t.Checks[1].Reason = "got 1200; want >= 5000"
		r.Targets[0] = t
		r.Stage, r.Reason = drill.StageFailed, "orders: got 1200; want >= 5000"
	}
	return r
}

func TestDrillReportText(t *testing.T) {
	e := drill.Event{Kind: drill.EventEnded, Drill: policy.Drill{Name: "orders-weekly"}, Run: sampleRun(true),
		Stats: drill.Stats{Median: 12 * time.Minute, Recoveries: 4, Trend: "steady"}}
	got := slackview.DrillReportText(e)
	for _, want := range []string{":white_check_mark: Restore drill *orders-weekly* passed", "backup `b-1` of 2026-12-06 22:00 UTC (5.0 h old)",
		"recovery: 12 min to ACTIVE, 13 min to checks done", "`SELECT COUNT(*) FROM shop.orders`: 1200", "instance deleted",
		"Median recovery of the last 4: 12 min, steady", "orders-&lt;!channel&gt;"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<!channel>") {
		t.Errorf("a cloud string pings: %s", got)
	}
}

func TestDrillNotifierFailureGoesToIncidents(t *testing.T) {
	p := &postRec{posts: map[string][]string{}}
	n := &DrillNotifier{API: p, Channel: "C0APPROVE", IncidentChannel: "C0INC"}
	d := policy.Drill{Name: "orders-weekly", Channel: "C0DRILLS", Schedule: policy.Schedule{Every: 24 * time.Hour}}
	ctx := context.Background()
	n.DrillEvent(ctx, drill.Event{Kind: drill.EventStarted, Drill: d, Run: sampleRun(true)})
	n.DrillEvent(ctx, drill.Event{Kind: drill.EventEnded, Drill: d, Run: sampleRun(false)})
	n.DrillEvent(ctx, drill.Event{Kind: drill.EventOverdue, Drill: d})
	if got := p.posts["C0DRILLS"]; len(got) != 2 || !strings.Contains(got[0], "started on schedule (every 24h)") || !strings.Contains(got[1], "FAILED: orders: got 1200; want &gt;= 5000") {
		t.Errorf("drill channel got %q", got)
	}
	if got := p.posts["C0INC"]; len(got) != 2 || !strings.Contains(got[0], "failed") || !strings.Contains(got[1], "is overdue: it has never passed") {
		t.Errorf("incident channel got %q", got)
	}
}

func TestStaleBackupText(t *testing.T) {
	e := drill.Event{Kind: drill.EventStaleBackup, Instance: restoreInstance("orders-prod", "8d0a5d3ee1524b2c9c7c1b2d0f0e6d5ein07"),
		Backup: &restore.Backup{ID: "b-<old>"}, Age: 29 * time.Hour, MaxAge: 26 * time.Hour, Channel: "C0RULEINC"}
	p := &postRec{posts: map[string][]string{}}
	(&DrillNotifier{API: p, Channel: "C0APPROVE", IncidentChannel: "C0INC"}).DrillEvent(context.Background(), e)
	got := p.posts["C0RULEINC"]
	if len(got) != 1 || !strings.Contains(got[0], "*orders-prod*") || !strings.Contains(got[0], "`b-&lt;old&gt;` is 29.0 h old") || !strings.Contains(got[0], "max_backup_age 26h") {
		t.Errorf("rule's incident channel got %q", got)
	}
}

func restoreInstance(name, id string) restore.Instance { return restore.Instance{Name: name, ID: id} }

func TestHomeDrillsSection(t *testing.T) {
	run := sampleRun(true)
	ds := []drill.Status{
		{Drill: policy.Drill{Name: "orders-weekly", Schedule: policy.Schedule{Cron: "0 3 * * 1", TimeZone: "UTC"}}, Stats: drill.Summarize([]drill.Run{run}), Next: time.Date(2026, 12, 14, 3, 0, 0, 0, time.UTC)},
		{Drill: policy.Drill{Name: "pitr-daily", Schedule: policy.Schedule{Every: 24 * time.Hour}}, Running: true},
	}
	blocks := slackview.DrillBlocks(ds)
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Restore drills (2)", "*orders-weekly*", "passed 2026-12-07 03:14 UTC, recovery 12 min", "median of the last 1: 12 min", "next 2026-12-14 03:00 UTC", "*pitr-daily*", "running now"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("Drills section lacks %q: %s", want, raw)
		}
	}
	if slackview.DrillBlocks(nil) != nil {
		t.Error("a Drills section with no drills")
	}
	many := make([]drill.Status, 15)
	if n := len(slackview.DrillBlocks(many)); n != 1+slackview.HomeDrillsMax+1 {
		t.Errorf("15 drills take %d blocks, want %d", n, 2+slackview.HomeDrillsMax)
	}
}

func TestDrillsText(t *testing.T) {
	if got := slackview.DrillsText(nil); !strings.Contains(got, "No restore drills") {
		t.Errorf("no drills: %q", got)
	}
	rows := []drill.Status{{Drill: policy.Drill{Name: "orders-weekly", Schedule: policy.Schedule{Every: 168 * time.Hour}},
		Stats: drill.Summarize([]drill.Run{sampleRun(false)}), Next: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC),
		Kept: []drill.Kept{{Name: "orders-prod-drill-202612070300"}}}}
	got := slackview.DrillsText(rows)
	for _, want := range []string{"*orders-weekly* — every 168h", "last run FAILED 2026-12-07 03:14 UTC: orders: got 1200; want &gt;= 5000",
		"median of the last 1: 12 min", "next 2026-12-10 00:00 UTC; 1 instance still to delete `orders-prod-drill-202612070300`"} {
		if !strings.Contains(got, want) {
			t.Errorf("listing lacks %q:\n%s", want, got)
		}
	}
}
