package restore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/gaussdb/v3/model"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// rules is a fixed new-instance rule.
type rules restore.NewInstanceRule

func (r rules) NewInstanceRule(restore.Instance) restore.NewInstanceRule {
	return restore.NewInstanceRule(r)
}

var allowAll = rules{Allowed: true, Keep: restore.DefaultKeep, MaxKeep: restore.DefaultMaxKeep, Rule: "default"}

type freshWorld struct {
	srv    *gaussdbtest.Server
	c      *restore.Client
	nv     *restore.NewInstanceValidator
	src    gaussdbtest.Instance
	backup restore.Backup
	window restore.Window
}

func newFreshWorld(t *testing.T, r rules) *freshWorld {
	t.Helper()
	srv, c := newPair(t, gaussdbtest.Options{Now: func() time.Time { return validateNow }})
	w := &freshWorld{srv: srv, c: c}
	w.src = srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod", LowerCaseTableNames: "0", Net: gaussdbtest.Net{
		FlavorRef: "gaussdb.mysql.2xlarge.x86.8", AZMode: "multi", MasterAZ: "cn-north-4b", VpcID: "vpc-1", SubnetID: "subnet-1",
		SecurityGroupID: "sg-1", TimeZone: "UTC+01:00", ConfigurationID: "cfg-1", BackupWindow: "04:00-05:00", ReadReplicas: 2,
	}})
	w.backup = srv.AddBackup(restore.Backup{InstanceID: w.src.ID, Begin: validateNow.Add(-3 * time.Hour), TakeUpMinutes: 12})
	w.window = restore.Window{Start: validateNow.Add(-48 * time.Hour), End: validateNow}
	srv.SetRestoreWindows(w.src.ID, w.window)
	w.nv = restore.NewValidator(c, func() time.Time { return validateNow }).ForNewInstances(c, r)
	return w
}

// wantBody is the create body the SDK model should carry for the world's
// source, built by hand from the fake's source (not from the code under test).
func (w *freshWorld) wantBody(name string, pw restore.Password, rp model.MysqlRestorePoint, reqID string, expires time.Time) model.MysqlInstanceRequest {
	s := func(v string) *string { return &v }
	lct := int32(0)
	return model.MysqlInstanceRequest{
		ChargeInfo: &model.MysqlChargeInfo{ChargeMode: model.GetMysqlChargeInfoChargeModeEnum().POST_PAID},
		Region:     "cn-north-4", Name: name,
		Datastore: &model.MysqlDatastoreInReq{Type: "gaussdb-mysql", Version: "8.0"},
		Mode:      "Cluster", FlavorRef: "gaussdb.mysql.2xlarge.x86.8", VpcId: "vpc-1", SubnetId: "subnet-1",
		SecurityGroupId: s("sg-1"), ConfigurationId: s("cfg-1"), Password: pw.Reveal(),
		BackupStrategy: &model.MysqlBackupStrategy{StartTime: "04:00-05:00"}, TimeZone: s("UTC+01:00"),
		AvailabilityZoneMode: "multi", MasterAvailabilityZone: s("cn-north-4b"), SlaveCount: 2,
		Tags: &[]model.MysqlTags{
			{Key: "db-restore-created-by", Value: "db-restore"},
			{Key: "db-restore-expires", Value: expires.UTC().Format("20060102T1504Z")},
			{Key: "db-restore-request", Value: reqID},
			{Key: "db-restore-source", Value: w.src.ID},
		},
		LowerCaseTableNames: &lct,
		RestorePoint:        &rp,
	}
}

func TestCreateBodyMatchesSDKModel(t *testing.T) {
	w := newFreshWorld(t, allowAll)
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name     string
		spec     restore.NewSpec
		wantName string
		rp       model.MysqlRestorePoint
	}{
		{"backup", restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID},
			"orders-prod-restore-" + w.backup.End.Format("200601021504"),
			model.MysqlRestorePoint{SourceInstanceId: w.src.ID, Type: ptrTo("backup"), BackupId: ptrTo(w.backup.ID)}},
		{"point in time, named", restore.NewSpec{Source: w.src.ID, Time: at, Name: "look-at-orders", Keep: 36 * time.Hour},
			"look-at-orders",
			model.MysqlRestorePoint{SourceInstanceId: w.src.ID, Type: ptrTo("timestamp"), RestoreTime: ptrTo(at.UnixMilli())}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := w.nv.Validate(ctx, tt.spec)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if p.Type != restore.TypeNewInstance || p.New.Name != tt.wantName {
				t.Fatalf("plan type %q name %q, want %q %q", p.Type, p.New.Name, restore.TypeNewInstance, tt.wantName)
			}
			expires := validateNow.Add(p.New.Keep)
			call, err := p.CreateCall("req00"+fmt.Sprint(i), expires)
			if err != nil {
				t.Fatalf("CreateCall: %v", err)
			}
			pw, err := restore.NewPassword()
			if err != nil {
				t.Fatal(err)
			}
			created, err := w.c.CreateInstance(ctx, call, pw)
			if err != nil {
				t.Fatalf("CreateInstance: %v", err)
			}
			calls := w.srv.CreateCalls()
			got := calls[len(calls)-1]
			if got.DecodeError != "" || got.InstanceID != created.InstanceID || created.Status != "BUILD" {
				t.Fatalf("fake saw %+v (decode error %q), client got %+v", got.InstanceID, got.DecodeError, created)
			}
			want := w.wantBody(tt.wantName, pw, tt.rp, call.RequestID, expires)
			opt := cmp.Comparer(func(a, b model.MysqlChargeInfoChargeMode) bool { return a.Value() == b.Value() })
			if diff := cmp.Diff(want, got.Body, opt, cmpopts.IgnoreUnexported(model.MysqlChargeInfo{})); diff != "" {
				t.Errorf("create body (-want +got):\n%s", diff)
			}
			var raw map[string]any
			_ = json.Unmarshal(got.Raw, &raw)
			if ci, _ := raw["charge_info"].(map[string]any); ci["charge_mode"] != "postPaid" {
				t.Errorf("raw charge_info %v, want postPaid", raw["charge_info"])
			}
			if _, ok := raw["volume"]; ok {
				t.Errorf("raw body has volume (not allowed for pay-per-use): %s", got.Raw)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// refusalCase is one refused restore to a new instance.
type refusalCase struct {
	name    string
	rules   rules
	arrange func(w *freshWorld)
	spec    func(w *freshWorld) restore.NewSpec
	field   string
	problem string
}

func refusalCases() []refusalCase {
	return []refusalCase{
		{"policy forbids", rules{Allowed: false, Rule: "orders"}, nil,
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}
			},
			"target", `rule "orders" does not allow`},
		{"keep over the rule's maximum", allowAll, nil,
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Keep: 8 * 24 * time.Hour}
			}, "keep", "longer than rule"},
		{"keep under an hour", allowAll, nil,
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Keep: 30 * time.Minute}
			}, "keep", "shorter than"},
		{"backup not completed", allowAll, func(w *freshWorld) { w.srv.SetBackupStatus(w.backup.ID, "BUILDING") },
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}
			},
			"backup", "is BUILDING"},
		{"time outside the window", allowAll, nil,
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", Time: w.window.Start.Add(-time.Hour)}
			}, "time", "outside every restorable window"},
		{"name taken", allowAll, func(w *freshWorld) { w.srv.AddInstance(gaussdbtest.Instance{Name: "taken-name"}) },
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "taken-name"}
			}, "name", "already exists"},
		{"name invalid", allowAll, nil,
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "9lives"}
			}, "name", "does not start with a letter"},
		{"quota used up", allowAll, func(w *freshWorld) { w.srv.SetInstanceQuota(1) },
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}
			},
			"target", "quota is used up (1 of 1)"},
		{"flavor sold out in the zone", allowAll,
			func(w *freshWorld) { w.srv.SetFlavorStatus("gaussdb.mysql.2xlarge.x86.8", "cn-north-4b", "sellout") },
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}
			},
			"target", "not on sale in zone cn-north-4b (sellout)"},
		{"flavor withdrawn", allowAll, func(w *freshWorld) { w.srv.WithdrawFlavor("gaussdb.mysql.2xlarge.x86.8") },
			func(w *freshWorld) restore.NewSpec {
				return restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}
			},
			"target", "no longer sold"},
	}
}

func TestNewInstanceRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tt := range refusalCases() {
		t.Run(tt.name, func(t *testing.T) {
			w := newFreshWorld(t, tt.rules)
			if tt.arrange != nil {
				tt.arrange(w)
			}
			_, err := w.nv.Validate(ctx, tt.spec(w))
			var fe *restore.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(fe.Problem, tt.problem) || fe.Accepted == "" {
				t.Errorf("refusal %+v, want field %s problem containing %q and an accepted form", fe, tt.field, tt.problem)
			}
			if n := len(w.srv.CreateCalls()); n != 0 {
				t.Errorf("%d create calls during validation", n)
			}
		})
	}
}

func TestRecheckSeesQuotaUsedAfterApproval(t *testing.T) {
	w := newFreshWorld(t, allowAll)
	ctx := context.Background()
	p, err := w.nv.Validate(ctx, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.nv.Recheck(ctx, p); err != nil {
		t.Fatalf("Recheck of a fresh plan: %v", err)
	}
	w.srv.SetInstanceQuota(1)
	var fe *restore.FieldError
	if err := w.nv.Recheck(ctx, p); !errors.As(err, &fe) || !strings.Contains(fe.Problem, "quota") {
		t.Errorf("Recheck after the quota filled = %v, want a quota refusal", err)
	}
}

func TestCreateAnswered500IsUnknownAndFoundByTag(t *testing.T) {
	w := newFreshWorld(t, allowAll)
	ctx := context.Background()
	p, err := w.nv.Validate(ctx, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID})
	if err != nil {
		t.Fatal(err)
	}
	call, _ := p.CreateCall("r500ab", validateNow.Add(24*time.Hour))
	pw, _ := restore.NewPassword()
	w.srv.FailNextCreate(gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.200001","error_msg":"Internal"}`, StartJob: true})
	_, err = w.c.CreateInstance(ctx, call, pw)
	if !restore.IsUnknownOutcome(err) {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	found, err := w.c.InstancesTagged(ctx, restore.TagRequest, "r500ab")
	if err != nil || len(found) != 1 || found[0].Name != call.New.Name || found[0].Status != "BUILD" {
		t.Fatalf("InstancesTagged = %+v, %v; want the one instance in BUILD", found, err)
	}
	jobs, err := w.c.RecentJobs(ctx, validateNow.Add(-time.Minute), validateNow.Add(time.Minute))
	if err != nil || len(jobs) != 1 || jobs[0].Name != restore.JobRestoreNewInstance || jobs[0].InstanceID != found[0].ID {
		t.Errorf("RecentJobs = %+v, %v; want one %s job on the instance", jobs, err, restore.JobRestoreNewInstance)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Errorf("%d create calls, want 1", n)
	}
}

func TestDeleteOnlyWhatTheBotOwns(t *testing.T) {
	w := newFreshWorld(t, allowAll)
	ctx := context.Background()
	p, _ := w.nv.Validate(ctx, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID})
	call, _ := p.CreateCall("own123", validateNow.Add(24*time.Hour))
	pw, _ := restore.NewPassword()
	created, err := w.c.CreateInstance(ctx, call, pw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := w.c.InstanceDetail(ctx, created.InstanceID)
	if err != nil {
		t.Fatal(err)
	}
	if !d.ExpiryTag().Equal(validateNow.Add(24*time.Hour).Truncate(time.Minute)) || len(d.PrivateIPs) != 1 || d.Port != "3306" {
		t.Errorf("detail expiry %s ips %v port %q", d.ExpiryTag(), d.PrivateIPs, d.Port)
	}
	for _, tt := range []struct{ name, recorded, request string }{
		{"other request", created.InstanceID, "other1"},
		{"other instance ID", w.src.ID, "own123"},
		{"no recorded ID", "", "own123"},
	} {
		if err := restore.CheckOwned(d.Live, tt.recorded, tt.request); !errors.Is(err, restore.ErrNotOwned) {
			t.Errorf("%s: CheckOwned = %v, want ErrNotOwned", tt.name, err)
		}
	}
	src, _ := w.c.InstanceDetail(ctx, w.src.ID)
	if err := restore.CheckOwned(src.Live, w.src.ID, "own123"); !errors.Is(err, restore.ErrNotOwned) {
		t.Errorf("the untagged source: CheckOwned = %v, want ErrNotOwned", err)
	}
	if err := restore.CheckOwned(d.Live, created.InstanceID, "own123"); err != nil {
		t.Fatalf("CheckOwned of its own instance: %v", err)
	}
	job, err := w.c.DeleteInstance(ctx, created.InstanceID)
	if err != nil || job == "" {
		t.Fatalf("DeleteInstance = %q, %v", job, err)
	}
	if _, err := w.c.DeleteInstance(ctx, created.InstanceID); !restore.IsNotFound(err) {
		t.Errorf("second delete = %v, want not found", err)
	}
	if got := w.srv.DeleteCalls(); len(got) != 2 || got[0] != created.InstanceID {
		t.Errorf("delete calls %v", got)
	}
}

func TestPasswordNeverPrints(t *testing.T) {
	for i := 0; i < 500; i++ {
		pw, err := restore.NewPassword()
		if err != nil {
			t.Fatal(err)
		}
		if s := pw.Reveal(); !restore.PasswordOK(s) || len(s) != restore.PasswordLen {
			t.Fatalf("generated %q does not meet GaussDB's rules", s)
		}
		b, _ := json.Marshal(struct{ P restore.Password }{pw})
		for _, shown := range []string{fmt.Sprint(pw), fmt.Sprintf("%v %+v %#v %s", pw, pw, pw, pw), string(b)} {
			if strings.Contains(shown, pw.Reveal()) {
				t.Fatalf("the password shows in %q", shown)
			}
		}
	}
	for _, bad := range []string{"short1A", "alllowercaseletters", "NoDigitsOrSpecial", "has space 1A", strings.Repeat("aA1", 11)} {
		if restore.PasswordOK(bad) {
			t.Errorf("PasswordOK(%q) = true", bad)
		}
	}
}

func TestDefaultNewName(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 59, 0, time.FixedZone("x", 8*3600))
	if got := restore.DefaultNewName("orders-prod", at); got != "orders-prod-restore-202611260130" {
		t.Errorf("DefaultNewName = %q", got)
	}
	long := restore.DefaultNewName(strings.Repeat("a", 60)+"-", at)
	if len(long) > 64 || restore.CheckInstanceName(long) != nil || !strings.HasSuffix(long, "-restore-202611260130") {
		t.Errorf("DefaultNewName of a long name = %q (%d)", long, len(long))
	}
	if got := restore.FormatKeep(36 * time.Hour); got != "36h" {
		t.Errorf("FormatKeep(36h) = %q", got)
	}
	if got := restore.FormatKeep(7 * 24 * time.Hour); got != "7d" {
		t.Errorf("FormatKeep(7d) = %q", got)
	}
}
