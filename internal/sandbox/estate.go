package sandbox

import (
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Person is someone to act as in the page.
type Person struct {
	slacktest.User
	Role string // what they may do, as the page says it
}

// Channel is a channel of the workspace.
type Channel struct {
	ID, Name, Purpose string
}

// The workspace's people, group and channels. The sample policy
// (policy.yml) and the bot's environment name these IDs.
const (
	Rita  = "U0RITA001" // requester
	Alice = "U0ALICE01" // approver
	Gus   = "U0GUS0001" // approver through @dba-oncall
	Ada   = "U0ADA0001" // admin, break-glass
	Olly  = "U0OLLY001" // not allowed to request

	DBAGroup       = "S0DBAONCL"
	DBAGroupHandle = "dba-oncall"

	OpsChannel       = "C0DBOPS01"
	ApprovalChannel  = "C0APPROVL"
	IncidentChannel  = "C0INCIDNT"
	defaultBreakGlas = Rita + "," + Ada
)

// People are the workspace members, in the order the page lists them.
var People = []Person{
	{slacktest.User{ID: Rita, Name: "rita", RealName: "Rita Requester", TZ: "Asia/Shanghai"}, "requester"},
	{slacktest.User{ID: Alice, Name: "alice", RealName: "Alice Approver", TZ: "Europe/London"}, "approver"},
	{slacktest.User{ID: Gus, Name: "gus", RealName: "Gus Groupmember", TZ: "America/New_York"}, "approver via @dba-oncall"},
	{slacktest.User{ID: Ada, Name: "ada", RealName: "Ada Admin", TZ: "UTC"}, "admin, break-glass"},
	{slacktest.User{ID: Olly, Name: "olly", RealName: "Olly Outsider", TZ: "Australia/Sydney"}, "may not request"},
}

// Channels are the workspace's channels, in the order the page lists them.
var Channels = []Channel{
	{OpsChannel, "db-ops", "where people type /db-restore"},
	{ApprovalChannel, "db-approvals", "approval requests"},
	{IncidentChannel, "incidents", "one line per state change"},
}

// Estate is the seeded GaussDB: the instances the page describes.
type Estate struct {
	Instances []gaussdbtest.Instance
	Backups   map[string][]restore.Backup // by instance ID, newest first
}

// seedSlack adds the people and the group to the Slack emulator.
func seedSlack(s *slacktest.Server) error {
	for _, p := range People {
		if err := s.AddUser(p.User); err != nil {
			return err
		}
	}
	s.SetUserGroup(DBAGroup, Gus)
	return nil
}

// seedGaussDB fills the GaussDB emulator with a small, realistic estate.
func seedGaussDB(g *gaussdbtest.Server, now time.Time) Estate {
	prod := map[string]string{"env": "prod", "team": "orders"}
	ins := []gaussdbtest.Instance{
		{Name: "orders-prod", Version: "8.0", LowerCaseTableNames: "1", Tags: prod},
		{Name: "orders-staging", Version: "8.0", LowerCaseTableNames: "1", Tags: map[string]string{"env": "staging", "team": "orders"}},
		{Name: "orders-restore-scratch", Version: "8.0", LowerCaseTableNames: "1", Tags: map[string]string{"env": "dev"}},
		{Name: "legacy-billing", Version: "5.7", LowerCaseTableNames: "1", Tags: map[string]string{"env": "prod-legacy"}},
		{Name: "analytics-cs", Version: "8.0", LowerCaseTableNames: "0", Tags: map[string]string{"env": "staging"}},
		{Name: "payments-main", Version: "8.0", LowerCaseTableNames: "1", Tags: map[string]string{"env": "prod", "team": "payments"}},
	}
	e := Estate{Backups: map[string][]restore.Backup{}}
	for i, in := range ins {
		in.ID = fmt.Sprintf("5a1d%028xin07", i+1) // stable IDs: links and notes stay valid across restarts
		in = g.AddInstance(in)
		e.Instances = append(e.Instances, in)
		day := now.UTC().Truncate(24 * time.Hour)
		for d := 1; d <= 4; d++ {
			begin := day.Add(-time.Duration(d-1)*24*time.Hour - 22*time.Hour) // 02:00 UTC nightly
			status := "COMPLETED"
			if d == 3 && i == 0 {
				status = "FAILED"
			}
			bk := g.AddBackup(restore.Backup{
				ID: fmt.Sprintf("bac%029xbr07", (i+1)*10+d), Name: fmt.Sprintf("nightly-%s", begin.Format("0102")),
				InstanceID: in.ID, Status: status, Type: "auto", Begin: begin, End: begin.Add(time.Duration(12+4*i) * time.Minute),
				TakeUpMinutes: 12 + 4*i, SizeMB: float64(2048 * (i + 1)),
			})
			e.Backups[in.ID] = append(e.Backups[in.ID], bk)
		}
		if i == 0 {
			g.AddBackup(restore.Backup{ID: fmt.Sprintf("bad%029xbr07", 1), Name: "before-schema-change", InstanceID: in.ID,
				Status: "COMPLETED", Type: "manual", Begin: now.Add(-3 * time.Hour), End: now.Add(-3*time.Hour + 9*time.Minute),
				TakeUpMinutes: 9, SizeMB: 2100})
		}
	}
	refreshWindows(g, e, now)
	return e
}

// refreshWindows keeps every instance restorable from 7 days ago until a
// minute ago (the last binlog shipped), as time passes.
func refreshWindows(g *gaussdbtest.Server, e Estate, now time.Time) {
	for i, in := range e.Instances {
		start := now.Add(-7 * 24 * time.Hour).UTC().Truncate(time.Hour)
		if i == 3 { // the legacy instance has a gap after a failed log backup
			g.SetRestoreWindows(in.ID,
				restore.Window{Start: start, End: now.Add(-50 * time.Hour)},
				restore.Window{Start: now.Add(-47 * time.Hour), End: now.Add(-time.Minute)})
			continue
		}
		g.SetRestoreWindows(in.ID, restore.Window{Start: start, End: now.Add(-time.Minute)})
	}
}
