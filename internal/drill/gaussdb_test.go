package drill_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/drill/mysqltest"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// withLogin stands for what GaussDB does with a create call's password:
// after the real create call to the GaussDB fake, the password the fake
// received becomes a login on the MariaDB the new instance answers at.
type withLogin struct {
	*drill.GaussDB
	srv  *gaussdbtest.Server
	db   *mysqltest.DB
	user string
	t    *testing.T
}

func (w withLogin) Create(ctx context.Context, d policy.Drill, p drill.Planned) (drill.Created, restore.Password, error) {
	before := len(w.srv.CreateCalls())
	c, pw, err := w.GaussDB.Create(ctx, d, p)
	calls := w.srv.CreateCalls()
	if len(calls) > before {
		if got := calls[len(calls)-1].Body.Password; got != pw.Reveal() {
			w.t.Errorf("the fake received another password than the runner was given")
		}
		if e := w.db.AddUser(w.t, w.user, calls[len(calls)-1].Body.Password); e != nil {
			w.t.Errorf("add login: %v", e)
		}
	}
	return c, pw, err
}

type gaussWorld struct {
	srv    *gaussdbtest.Server
	client *restore.Client
	db     *mysqltest.DB
	src    gaussdbtest.Instance
	backup restore.Backup
	ev     *events
	runner *drill.Runner
	other  *drill.Runner // a second replica over the same Redis and cloud
	freeze *freezeKnob
}

func newGaussWorld(t *testing.T, mk func(db *mysqltest.DB) policy.Drill) *gaussWorld {
	t.Helper()
	db := mysqltest.New(t, 1500)
	srv := gaussdbtest.New(t, gaussdbtest.Options{JobPolls: 2})
	o := srv.Options()
	c, err := restore.NewClient(restore.Options{AK: o.AK, SK: o.SK, ProjectID: o.ProjectID, Endpoint: srv.URL, Timeout: 5 * time.Second, UserAgent: "db-restore-test"})
	if err != nil {
		t.Fatal(err)
	}
	w := &gaussWorld{srv: srv, client: c, db: db, ev: &events{}, freeze: &freezeKnob{}}
	w.src = srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod", LowerCaseTableNames: "0", Net: gaussdbtest.Net{
		FlavorRef: "gaussdb.mysql.2xlarge.x86.8", AZMode: "single", MasterAZ: "cn-north-4b", VpcID: "vpc-1", SubnetID: "subnet-1", SecurityGroupID: "sg-1"}})
	w.backup = srv.AddBackup(restore.Backup{InstanceID: w.src.ID, Begin: time.Now().Add(-5 * time.Hour), TakeUpMinutes: 10})
	host, port, _ := net.SplitHostPort(db.Addr)
	srv.SetNewInstanceAddress(host, port)
	pol := &policy.Policy{Default: policy.Rule{Name: "default", Approvers: []string{"U1"}, RequiredApprovals: 1}, Drills: []policy.Drill{mk(db)}}
	check := restore.NewValidator(c, time.Now).ForNewInstances(c, pol)
	rdb, prefix := redistest.New(t)
	user := "drlg" + strings.ToLower(w.src.ID[:8])
	replica := func() *drill.Runner {
		reg := lifetime.NewRegistry(rdb, prefix, time.Now, 3)
		life, err := lifetime.NewManager(lifetime.Options{Log: zerolog.Nop(), Registry: reg, Cloud: c, Checker: check, Freezes: w.freeze, PollInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		g := &drill.GaussDB{Cloud: c, Check: check, Life: life, Records: reg}
		return drill.NewRunner(drill.Options{
			Policy: func() *policy.Policy { return pol }, Store: drill.NewStore(rdb, prefix, "", time.Minute),
			Lister: g, Creator: withLogin{g, srv, db, user, t}, Keeper: g, Guard: drill.RuleGuard{Policy: func() *policy.Policy { return pol }}, Notifier: w.ev,
			Log: zerolog.Nop(), Tick: 50 * time.Millisecond, Poll: 20 * time.Millisecond, User: user,
		})
	}
	w.runner, w.other = replica(), replica()
	return w
}

// freezeKnob is the approvals freeze as the new-instance path reads it.
type freezeKnob struct{ on atomic.Bool }

func (f *freezeKnob) Freeze(context.Context) (string, string, bool, error) {
	return "drill test", "U0ADMIN", f.on.Load(), nil
}

func gaussDrill(t *testing.T, db *mysqltest.DB, expect string) policy.Drill {
	return policy.Drill{Name: "orders-daily", Match: policy.Matchers{Names: []string{"orders-*"}},
		Schedule: policy.Schedule{Every: 24 * time.Hour}, From: policy.FromLatestBackup, MaxDuration: time.Minute,
		Checks: []policy.Check{sqlCheck(t, "SELECT COUNT(*) FROM "+db.Name+".orders", expect)}}
}

// Through the GaussDB fake over HTTP: the newest completed backup restored
// to a new instance with the bot's tags, followed to ACTIVE, checked at
// the MariaDB it answers at, deleted.
func TestGaussDBDrillEndToEnd(t *testing.T) {
	for _, tt := range []struct {
		name, expect string
		pass         bool
	}{{"passes", ">= 1000", true}, {"wrong count", "== 7", false}} {
		t.Run(tt.name, func(t *testing.T) {
			w := newGaussWorld(t, func(db *mysqltest.DB) policy.Drill { return gaussDrill(t, db, tt.expect) })
			w.runner.Tick(context.Background())
			w.runner.Wait()
			got := w.ev.of(drill.EventEnded)
			if len(got) != 1 {
				t.Fatalf("%d runs ended, want 1", len(got))
			}
			run := got[0].Run
			if run.Passed() != tt.pass {
				t.Fatalf("run %s %q, want pass=%v", run.Stage, run.Reason, tt.pass)
			}
			tr := run.Targets[0]
			if tr.BackupID != w.backup.ID || tr.Recovery() <= 0 || !tr.Deleted || tr.JobID == "" {
				t.Errorf("target = %+v, want backup %s, a recovery time, a job, deleted", tr, w.backup.ID)
			}
			calls := w.srv.CreateCalls()
			if len(calls) != 1 {
				t.Fatalf("%d create calls, want exactly 1", len(calls))
			}
			tags := map[string]string{}
			for _, tg := range *calls[0].Body.Tags {
				tags[tg.Key] = tg.Value
			}
			if tags[restore.TagRequest] != tr.RequestID || tags[restore.TagCreatedBy] != restore.CreatedByBot || calls[0].Body.RestorePoint.BackupId == nil || *calls[0].Body.RestorePoint.BackupId != w.backup.ID {
				t.Errorf("create call tags %v, restore point %+v", tags, calls[0].Body.RestorePoint)
			}
			exp, err := time.Parse("20060102T1504Z", tags[restore.TagExpires])
			if d := time.Until(exp); err != nil || d < 55*time.Minute || d > 61*time.Minute {
				t.Errorf("expiry tag %q: %v from now, want about an hour (max_duration 1m, at least restore.MinKeep)", tags[restore.TagExpires], d)
			}
			if dels := w.srv.DeleteCalls(); len(dels) != 1 || dels[0] != tr.NewID {
				t.Errorf("delete calls %v, want the new instance %s", dels, tr.NewID)
			}
			if strings.Contains(strings.Join(reasons(run), " "), calls[0].Body.Password) {
				t.Error("the generated password appears in the run")
			}
		})
	}
}

func reasons(r drill.Run) []string {
	out := []string{r.Reason}
	for _, t := range r.Targets {
		out = append(out, t.Reason, t.DeleteNote)
		for _, c := range t.Checks {
			out = append(out, c.Reason, c.Got)
		}
	}
	return out
}

// Two replicas over the GaussDB fake: one create call for the period; a
// freeze stops a drill's create call as it stops a person's.
func TestGaussDBDrillTwoReplicasAndFreeze(t *testing.T) {
	w := newGaussWorld(t, func(db *mysqltest.DB) policy.Drill { return gaussDrill(t, db, ">= 1000") })
	tick(w.runner, w.other)
	tick(w.other, w.runner)
	if got := w.ev.of(drill.EventEnded); len(got) != 1 || !got[0].Run.Passed() {
		t.Fatalf("ended runs %+v, want one passed", got)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Fatalf("%d create calls across two replicas, want 1", n)
	}
	w.freeze.on.Store(true)
	if _, err := w.other.RunNow(context.Background(), "orders-daily", "U0ADMIN"); err != nil {
		t.Fatal(err)
	}
	w.other.Wait()
	got := w.ev.of(drill.EventEnded)
	if len(got) != 2 || got[1].Run.Passed() || !strings.Contains(got[1].Run.Reason, "orders-prod: not called: restores are frozen by U0ADMIN: drill test") {
		t.Fatalf("run under a freeze: %+v", got[len(got)-1].Run)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Errorf("%d create calls after a frozen run, want still 1", n)
	}
}
