package restore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

var validateNow = time.Date(2026, 11, 27, 3, 10, 0, 0, time.UTC)

// world is a fake cloud with one instance of every kind a check cares about.
type world struct {
	srv                                        *gaussdbtest.Server
	v                                          *restore.Validator
	src, tgt, busy, old, cs0, otherEngine, dup gaussdbtest.Instance
	good, building, othersBackup               restore.Backup
	w0, w1                                     restore.Window
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv, c := newPair(t, gaussdbtest.Options{})
	w := &world{srv: srv, v: restore.NewValidator(c, func() time.Time { return validateNow })}
	w.src = srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	w.tgt = srv.AddInstance(gaussdbtest.Instance{Name: "orders-staging"})
	w.busy = srv.AddInstance(gaussdbtest.Instance{Name: "busy-one", Status: "BACKING UP"})
	w.old = srv.AddInstance(gaussdbtest.Instance{Name: "old-one", Version: "5.7"})
	w.cs0 = srv.AddInstance(gaussdbtest.Instance{Name: "case-sensitive", LowerCaseTableNames: "0"})
	w.otherEngine = srv.AddInstance(gaussdbtest.Instance{Name: "other-engine", Type: "gaussdb-other"})
	w.dup = srv.AddInstance(gaussdbtest.Instance{Name: "twin"})
	srv.AddInstance(gaussdbtest.Instance{Name: "twin"})
	w.good = srv.AddBackup(restore.Backup{Name: "daily", InstanceID: w.src.ID, Begin: validateNow.Add(-24 * time.Hour)})
	w.building = srv.AddBackup(restore.Backup{Name: "now", InstanceID: w.src.ID, Status: "BUILDING"})
	w.othersBackup = srv.AddBackup(restore.Backup{Name: "theirs", InstanceID: w.tgt.ID})
	w.w0 = restore.Window{Start: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
	w.w1 = restore.Window{Start: time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC), End: validateNow}
	srv.SetRestoreWindows(w.src.ID, w.w1, w.w0)
	return w
}

func TestValidateRefusals(t *testing.T) {
	w := newWorld(t)
	inW1 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	windows := "between 2026-11-20T00:00:00Z and 2026-11-25T00:00:00Z, or between 2026-11-25T06:00:00Z and 2026-11-27T03:10:00Z"
	tests := []struct {
		name     string
		spec     restore.Spec
		field    string
		problem  string // substring
		accepted string // substring
	}{
		{"no source", restore.Spec{BackupID: w.good.ID}, "source", "no instance was given", "32 lower-case hex"},
		{"unknown source id", restore.Spec{Source: gaussdbtest.NewInstanceID(), BackupID: w.good.ID}, "source", "no instance with ID", "in07"},
		{"unknown source name", restore.Spec{Source: "nope", BackupID: w.good.ID}, "source", "no instance named nope", "exact name"},
		{"upper-case id", restore.Spec{Source: strings.ToUpper(w.src.ID[:32]) + "in07", BackupID: w.good.ID}, "source", "instance IDs are lower case", "in07"},
		{"pattern", restore.Spec{Source: "*orders", BackupID: w.good.ID}, "source", "is a pattern", "exact name"},
		{"ambiguous name", restore.Spec{Source: "twin", BackupID: w.good.ID}, "source", "2 instances are named twin; use the ID: " + w.dup.ID, w.dup.ID},
		{"unknown target", restore.Spec{Source: w.src.ID, Target: "nope", BackupID: w.good.ID}, "target", "no instance named nope", "exact name"},
		{"busy target", restore.Spec{Source: w.src.ID, Target: "busy-one", BackupID: w.good.ID}, "target", "is BACKING UP", "ACTIVE"},
		{"busy source as target", restore.Spec{Source: "busy-one", Time: inW1}, "target", "is BACKING UP", "ACTIVE"},
		{"other version", restore.Spec{Source: w.src.ID, Target: "old-one", BackupID: w.good.ID}, "target", "runs 5.7, source orders-prod (" + w.src.ID + ") runs 8.0", "version 8.0"},
		{"other engine", restore.Spec{Source: w.src.ID, Target: w.otherEngine.ID, BackupID: w.good.ID}, "target", "is gaussdb-other", "type gaussdb-mysql"},
		{"other case sensitivity", restore.Spec{Source: w.src.ID, Target: "case-sensitive", BackupID: w.good.ID}, "target", "lower_case_table_names differs: target case-sensitive (" + w.cs0.ID + ") has 0", "lower_case_table_names=1"},
		{"backup and time", restore.Spec{Source: w.src.ID, BackupID: w.good.ID, Time: inW1}, "time", "both", "not both"},
		{"neither backup nor time", restore.Spec{Source: w.src.ID}, "backup", "neither", "br07"},
		{"malformed backup id", restore.Spec{Source: w.src.ID, BackupID: "last-night"}, "backup", "not a backup ID", "br07"},
		{"unknown backup", restore.Spec{Source: w.src.ID, BackupID: gaussdbtest.NewBackupID()}, "backup", "no backup with ID", "a backup of orders-prod"},
		{"backup of another instance", restore.Spec{Source: w.src.ID, BackupID: w.othersBackup.ID}, "backup", "belongs to instance " + w.tgt.ID, "a backup of orders-prod"},
		{"backup building", restore.Spec{Source: w.src.ID, BackupID: w.building.ID}, "backup", "is BUILDING", "COMPLETED or AVAILABLE"},
		{"time in the future", restore.Spec{Source: w.src.ID, Time: validateNow.Add(time.Second)}, "time", "2026-11-27T03:10:01Z is in the future (now is 2026-11-27T03:10:00Z)", windows},
		{"time between windows", restore.Spec{Source: w.src.ID, Time: time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)}, "time", "outside every restorable window", windows},
		{"time before windows", restore.Spec{Source: w.src.ID, Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}, "time", "2026-11-01T00:00:00Z is outside", windows},
		{"no windows", restore.Spec{Source: w.tgt.ID, Time: inW1}, "time", "outside", "has no restorable window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := w.v.Validate(context.Background(), tt.spec)
			var fe *restore.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %+v, %v; want a FieldError", plan, err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Problem, tt.problem) || !strings.Contains(fe.Accepted, tt.accepted) {
				t.Errorf("FieldError = %+v\nwant field %q, problem containing %q, accepted containing %q", fe, tt.field, tt.problem, tt.accepted)
			}
		})
	}
	if n := len(w.srv.RestoreCalls()); n != 0 {
		t.Errorf("validation made %d restore calls", n)
	}
}

func TestValidateAccepts(t *testing.T) {
	w := newWorld(t)
	src := restore.Instance{ID: w.src.ID, Name: "orders-prod", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"}
	tgt := src
	tgt.ID, tgt.Name = w.tgt.ID, "orders-staging"
	at := time.Date(2026, 11, 26, 12, 0, 0, 123_456_789, time.FixedZone("CST", 8*3600))
	atMs := at.UTC().Truncate(time.Millisecond)

	tests := []struct {
		name string
		spec restore.Spec
		want restore.Call
		plan func(restore.Plan) bool
	}{
		{"backup by names", restore.Spec{Source: "orders-prod", Target: "orders-staging", BackupID: w.good.ID},
			restore.Call{SourceID: w.src.ID, TargetID: w.tgt.ID, Type: "backup", BackupID: w.good.ID},
			func(p restore.Plan) bool {
				return cmp.Equal(p.Source, src) && cmp.Equal(p.Target, tgt) && p.Backup != nil && p.Backup.Name == "daily" && p.Window == nil
			}},
		{"backup onto itself", restore.Spec{Source: w.src.ID, BackupID: " " + w.good.ID + " "},
			restore.Call{SourceID: w.src.ID, TargetID: w.src.ID, Type: "backup", BackupID: w.good.ID},
			func(p restore.Plan) bool { return cmp.Equal(p.Target, src) }},
		{"time by id", restore.Spec{Source: w.src.ID, Target: w.tgt.ID, Time: at},
			restore.Call{SourceID: w.src.ID, TargetID: w.tgt.ID, Type: "timestamp", RestoreTimeMs: atMs.UnixMilli()},
			func(p restore.Plan) bool {
				return p.RestoreTime.Equal(atMs) && p.RestoreTime.Location() == time.UTC && p.Window != nil && *p.Window == w.w1 && p.Backup == nil
			}},
		{"time at a window's end", restore.Spec{Source: w.src.ID, Time: w.w0.End},
			restore.Call{SourceID: w.src.ID, TargetID: w.src.ID, Type: "timestamp", RestoreTimeMs: w.w0.End.UnixMilli()},
			func(p restore.Plan) bool { return *p.Window == w.w0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := w.v.Validate(context.Background(), tt.spec)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if diff := cmp.Diff(tt.want, plan.Call()); diff != "" {
				t.Errorf("Call() (-want +got):\n%s", diff)
			}
			if !tt.plan(plan) {
				t.Errorf("plan = %+v", plan)
			}
			if err := w.v.Recheck(context.Background(), plan); err != nil {
				t.Errorf("Recheck of an unchanged plan: %v", err)
			}
		})
	}
}

func TestRecheck(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		spec   func(w *world) restore.Spec
		change func(w *world)
		field  string
	}{
		{"target became busy",
			func(w *world) restore.Spec {
				return restore.Spec{Source: w.src.ID, Target: w.tgt.ID, BackupID: w.good.ID}
			},
			func(w *world) { w.srv.SetInstanceStatus(w.tgt.ID, "RESTORING") }, "target"},
		{"target upgraded",
			func(w *world) restore.Spec {
				return restore.Spec{Source: w.src.ID, Target: w.tgt.ID, BackupID: w.good.ID}
			},
			func(w *world) {
				in, _ := w.srv.Instance(w.tgt.ID)
				in.Version = "8.1"
				w.srv.AddInstance(in)
			}, "target"},
		{"backup deleted",
			func(w *world) restore.Spec { return restore.Spec{Source: w.src.ID, BackupID: w.good.ID} },
			func(w *world) { w.srv.RemoveBackup(w.good.ID) }, "backup"},
		{"backup failed",
			func(w *world) restore.Spec { return restore.Spec{Source: w.src.ID, BackupID: w.good.ID} },
			func(w *world) { w.srv.SetBackupStatus(w.good.ID, "FAILED") }, "backup"},
		{"window moved on",
			func(w *world) restore.Spec { return restore.Spec{Source: w.src.ID, Time: w.w0.Start.Add(time.Hour)} },
			func(w *world) { w.srv.SetRestoreWindows(w.src.ID, w.w1) }, "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			plan, err := w.v.Validate(ctx, tt.spec(w))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			tt.change(w)
			err = w.v.Recheck(ctx, plan)
			var fe *restore.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Accepted == "" {
				t.Fatalf("Recheck() = %v; want a FieldError on %q with what is accepted", err, tt.field)
			}
		})
	}
}

// stubCloud answers from fixed values and fails where told to.
type stubCloud struct {
	instance restore.Instance
	failOn   string
	err      error
}

func (s stubCloud) fail(method string) error {
	if s.failOn == method {
		return s.err
	}
	return nil
}

func (s stubCloud) Instance(_ context.Context, id string) (restore.Instance, error) {
	in := s.instance
	in.ID = id
	return in, s.fail("Instance")
}

func (s stubCloud) FindInstances(context.Context, string) ([]restore.Instance, error) {
	return []restore.Instance{s.instance}, s.fail("FindInstances")
}

func (s stubCloud) CaseSensitivity(context.Context, string) (string, error) {
	return "1", s.fail("CaseSensitivity")
}

func (s stubCloud) Backup(_ context.Context, id string) (restore.Backup, error) {
	return restore.Backup{ID: id, InstanceID: s.instance.ID, Status: "COMPLETED"}, s.fail("Backup")
}

func (s stubCloud) RestoreWindows(context.Context, string) ([]restore.Window, error) {
	return []restore.Window{{Start: validateNow.Add(-time.Hour), End: validateNow}}, s.fail("RestoreWindows")
}

func TestValidateCloudErrorsAreNotFieldErrors(t *testing.T) {
	src := gaussdbtest.NewInstanceID()
	tgt := gaussdbtest.NewInstanceID()
	boom := &restore.APIError{Status: 500, Code: "DBS.05000000", Message: "Server error."}
	for _, tt := range []struct {
		method string
		spec   restore.Spec
	}{
		{"Instance", restore.Spec{Source: src, BackupID: gaussdbtest.NewBackupID()}},
		{"FindInstances", restore.Spec{Source: "orders-prod", BackupID: gaussdbtest.NewBackupID()}},
		{"CaseSensitivity", restore.Spec{Source: src, Target: tgt, BackupID: gaussdbtest.NewBackupID()}},
		{"Backup", restore.Spec{Source: src, BackupID: gaussdbtest.NewBackupID()}},
		{"RestoreWindows", restore.Spec{Source: src, Time: validateNow.Add(-time.Minute)}},
	} {
		t.Run(tt.method, func(t *testing.T) {
			cloud := stubCloud{instance: restore.Instance{ID: src, Name: "orders-prod", Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"},
				failOn: tt.method, err: boom}
			_, err := restore.NewValidator(cloud, func() time.Time { return validateNow }).Validate(context.Background(), tt.spec)
			var fe *restore.FieldError
			if err == nil || errors.As(err, &fe) || !errors.Is(err, boom) {
				t.Fatalf("Validate() err = %v; want the wrapped cloud error, not a FieldError", err)
			}
		})
	}
}
