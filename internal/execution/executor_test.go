package execution_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// recorder is a Reporter that keeps every event, in order.
type recorder struct {
	mu  sync.Mutex
	got []recorded
}

type recorded struct {
	req approvals.Request
	ev  execution.Event
}

func (r *recorder) Report(_ context.Context, req approvals.Request, ev execution.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, recorded{req, ev})
}

func (r *recorder) events() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.got...)
}

// kinds names the events in order; consecutive Progress reports of a
// running job count once, as their number depends on timing.
func (r *recorder) kinds() []string {
	var out []string
	for _, g := range r.events() {
		k := strings.TrimPrefix(fmt.Sprintf("%T", g.ev), "execution.")
		if p, ok := g.ev.(execution.Progress); ok && p.Ended {
			k = "Progress(ended)"
		}
		if len(out) > 0 && out[len(out)-1] == k && k == "Progress" {
			continue
		}
		out = append(out, k)
	}
	return out
}

// fixture is an Executor on real Redis and the GaussDB fake over HTTP.
type fixture struct {
	t      *testing.T
	ctx    context.Context
	rdb    redis.UniversalClient
	prefix string
	store  *approvals.Store
	gauss  *gaussdbtest.Server
	client *restore.Client
	rec    *recorder
	exec   *execution.Executor
	source gaussdbtest.Instance
	target gaussdbtest.Instance
	backup restore.Backup
}

func newFixture(t *testing.T, tweak func(*execution.Options)) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fixture{t: t, ctx: ctx, rec: &recorder{}}
	f.rdb, f.prefix = redistest.New(t)
	f.store = approvals.NewStore(f.rdb, f.prefix, time.Now, approvals.WithLeaseTTL(3*time.Second))
	f.gauss = gaussdbtest.New(t, gaussdbtest.Options{JobPolls: 2})
	f.source = f.gauss.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	f.target = f.gauss.AddInstance(gaussdbtest.Instance{Name: "orders-restore"})
	f.backup = f.gauss.AddBackup(restore.Backup{ID: gaussdbtest.NewBackupID(), Name: "nightly", InstanceID: f.source.ID,
		Type: "auto", Status: "COMPLETED", Begin: time.Now().Add(-3 * time.Hour), End: time.Now().Add(-2 * time.Hour)})
	o := f.gauss.Options()
	c, err := restore.NewClient(restore.Options{AK: o.AK, SK: o.SK, ProjectID: o.ProjectID, Endpoint: f.gauss.URL})
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	opts := execution.Options{
		Log: zerolog.New(zerolog.NewTestWriter(t)), Store: f.store, Reporter: f.rec,
		Checker: restore.NewValidator(c, time.Now), Restorer: c, Tables: c, Jobs: c, JobList: c, Backups: c, Now: time.Now,
		JobPollInterval: 50 * time.Millisecond, JobTimeout: config.Defaults().JobTimeout, RestoreTimeout: 2 * time.Second,
		ReconcileAfter: time.Second, ReconcileEvery: 50 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&opts)
	}
	if f.exec, err = execution.New(opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.exec.Stop(); f.exec.Wait() })
	return f
}

// approved stores a request from the backup onto target and approves it:
// it is executing, under this fixture's store's lease.
func (f *fixture) approved(target gaussdbtest.Instance, safetyBackup bool) approvals.Request {
	f.t.Helper()
	r, err := f.store.Create(f.ctx, approvals.Request{
		Params: approvals.Params{SourceID: f.source.ID, SourceName: f.source.Name, TargetID: target.ID, TargetName: target.Name,
			Type: approvals.TypeBackup, BackupID: f.backup.ID},
		Requester: "UREQ0001", Reason: "test", Channel: "C0APPR001", MessageTS: "1.2",
		Rule:      approvals.Rule{Name: "default", Approvers: []string{"UAPP0001"}, RequiredApprovals: 1, SafetyBackup: safetyBackup},
		ExpiresAt: time.Now().Add(30 * time.Minute),
	})
	if err != nil {
		f.t.Fatal(err)
	}
	res, err := f.store.Approve(f.ctx, r.ID, "UAPP0001", r.ParamHash)
	if err != nil || !res.Executing {
		f.t.Fatalf("approve: %+v, %v", res, err)
	}
	return res.Request
}

// follow runs the job follower until the test ends.
func (f *fixture) follow() {
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.exec.Follow(ctx, f.ctx) }()
	f.t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond for up to 15 s.
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; events: %v", what, f.rec.kinds())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitForEvent waits for an event of the given kind and returns it.
func (f *fixture) waitForEvent(kind string) recorded {
	f.t.Helper()
	var found recorded
	f.waitFor(kind, func() bool {
		for _, g := range f.rec.events() {
			if strings.TrimPrefix(fmt.Sprintf("%T", g.ev), "execution.") == kind {
				found = g
				return true
			}
		}
		return false
	})
	return found
}

func (f *fixture) state(id string) approvals.Request {
	f.t.Helper()
	r, err := f.store.Get(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

func (f *fixture) restorePOSTs() int {
	n := 0
	for _, r := range f.gauss.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/instances/restore") {
			n++
		}
	}
	return n
}

func sameKinds(got, want []string) bool { return strings.Join(got, " ") == strings.Join(want, " ") }

// TestNewRequiresTheDurations: no default is set here (config has them).
func TestNewRequiresTheDurations(t *testing.T) {
	f := newFixture(t, nil)
	_, err := execution.New(execution.Options{Store: f.store, Reporter: f.rec, Checker: restore.NewValidator(f.client, time.Now),
		Restorer: f.client, Now: time.Now, JobPollInterval: time.Second, JobTimeout: time.Hour, ReconcileAfter: time.Minute, ReconcileEvery: time.Second})
	if err == nil || !strings.Contains(err.Error(), "RestoreTimeout") {
		t.Fatalf("New without RestoreTimeout: %v, want an error naming it", err)
	}
}
