package slackapp

import (
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// The form's fixtures, as slackview's tests have them: the form's flow is
// tested here, with the transport.
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
	fixtureMeta    = slackview.FormMeta{Channel: "C0OPS0001", Requester: "UREQ0001", TZ: "Asia/Shanghai"}
)

func sourceMeta() slackview.FormMeta {
	m := fixtureMeta
	m.Source, m.SourceName = srcID, "orders-prod"
	return m
}

func sourceData() slackview.FormData {
	return slackview.FormData{
		Instances: fixtureInstances, Source: fixtureInstances[2], Backups: fixtureBackups,
		Windows: fixtureWindows, Targets: []restore.Instance{fixtureInstances[3]},
	}
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
