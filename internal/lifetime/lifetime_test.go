package lifetime_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

type rules struct{}

func (rules) NewInstanceRule(restore.Instance) restore.NewInstanceRule {
	return restore.NewInstanceRule{Allowed: true, Keep: restore.DefaultKeep, MaxKeep: 3 * 24 * time.Hour, Rule: "default"}
}

// clock is a settable clock for the registry and the manager.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type world struct {
	srv    *gaussdbtest.Server
	c      *restore.Client
	nv     *restore.NewInstanceValidator
	store  *approvals.Store
	m      *lifetime.Manager
	clock  *clock
	src    gaussdbtest.Instance
	backup restore.Backup
}

func newWorld(t *testing.T, maxLive int) *world {
	t.Helper()
	w := &world{clock: &clock{}}
	w.srv = gaussdbtest.New(t, gaussdbtest.Options{JobPolls: 1})
	o := w.srv.Options()
	c, err := restore.NewClient(restore.Options{AK: o.AK, SK: o.SK, ProjectID: o.ProjectID, Endpoint: w.srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w.c = c
	w.src = w.srv.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	w.backup = w.srv.AddBackup(restore.Backup{InstanceID: w.src.ID, Begin: time.Now().Add(-2 * time.Hour)})
	w.srv.SetRestoreWindows(w.src.ID, restore.Window{Start: time.Now().Add(-24 * time.Hour), End: time.Now()})
	w.nv = restore.NewValidator(c, time.Now).ForNewInstances(c, rules{})
	rdb, prefix := redistest.New(t)
	w.store = approvals.NewStore(rdb, prefix, w.clock.now)
	reg := lifetime.NewRegistry(rdb, prefix, w.clock.now, maxLive)
	w.m, err = lifetime.NewManager(lifetime.Options{Log: zerolog.Nop(), Registry: reg, Cloud: c, Checker: w.nv, Freezes: w.store,
		Now: w.clock.now, PollInterval: 10 * time.Millisecond, ReconcileFor: 2 * time.Second, BuildTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) plan(t *testing.T, s restore.NewSpec) restore.Plan {
	t.Helper()
	p, err := w.nv.Validate(context.Background(), s)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return p
}

func (w *world) req(id string) lifetime.Request {
	return lifetime.Request{ID: id, Requester: "U1", Channel: "C1", ThreadTS: "1.1", MaxKeep: 3 * 24 * time.Hour}
}

func TestCreateFollowToActiveThenExpire(t *testing.T) {
	w := newWorld(t, 3)
	ctx := context.Background()
	w.srv.SetNewInstanceAddress("127.0.0.1", "3306")
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for i, spec := range []restore.NewSpec{
		{Source: "orders-prod", BackupID: w.backup.ID},
		{Source: "orders-prod", Time: at, Name: "orders-pitr", Keep: 2 * time.Hour},
	} {
		id := []string{"bkp001", "pitr01"}[i]
		st, err := w.m.Start(ctx, w.req(id), w.plan(t, spec))
		if err != nil {
			t.Fatalf("%s: Start: %v", id, err)
		}
		if st.Password.Empty() || st.Record.InstanceID == "" {
			t.Fatalf("%s: started %+v", id, st.Record)
		}
		d, err := w.m.Await(ctx, st.Record, nil)
		if err != nil || d.Status != "ACTIVE" || d.Port != "3306" || len(d.PrivateIPs) != 1 || d.PrivateIPs[0] != "127.0.0.1" {
			t.Fatalf("%s: Await = %+v, %v", id, d, err)
		}
		calls := w.srv.CreateCalls()
		body := calls[len(calls)-1].Body
		if body.Password != st.Password.Reveal() || *body.RestorePoint.Type != []string{"backup", "timestamp"}[i] {
			t.Errorf("%s: create body restore point %v", id, body.RestorePoint)
		}
	}
	live, _ := w.m.Registry().Live(ctx)
	if len(live) != 2 || live[0].RequestID != "pitr01" {
		t.Fatalf("live %+v, want pitr01 (2h) before bkp001 (24h)", live)
	}
	// An hour and ten minutes before expiry: one reminder each, once.
	w.clock.advance(61 * time.Minute)
	evs := sweep(t, w)
	if len(evs) != 1 || evs[0].(lifetime.Reminder).Level != 1 || evs[0].(lifetime.Reminder).Record.RequestID != "pitr01" {
		t.Fatalf("sweep at 59m left = %#v", evs)
	}
	if evs := sweep(t, w); len(evs) != 0 {
		t.Fatalf("second sweep = %#v, want nothing", evs)
	}
	w.clock.advance(51 * time.Minute)
	if evs := sweep(t, w); len(evs) != 1 || evs[0].(lifetime.Reminder).Level != 2 {
		t.Fatalf("sweep at 8m left = %#v", evs)
	}
	w.clock.advance(9 * time.Minute)
	evs = sweep(t, w)
	exp, ok := evs[0].(lifetime.Expired)
	if len(evs) != 1 || !ok || exp.Err != nil || exp.Deleted.JobID == "" {
		t.Fatalf("sweep after expiry = %#v", evs)
	}
	if got := w.srv.DeleteCalls(); len(got) != 1 || got[0] != exp.Deleted.Record.InstanceID {
		t.Errorf("delete calls %v", got)
	}
	hist, _ := w.m.Registry().History(ctx, "pitr01")
	if last := hist[len(hist)-1]; !strings.Contains(last, "deleted by expiry") {
		t.Errorf("audit trail ends %q", last)
	}
}

func sweep(t *testing.T, w *world) []any {
	t.Helper()
	evs, err := w.m.Sweep(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestKeepAndDeleteNow(t *testing.T) {
	w := newWorld(t, 3)
	ctx := context.Background()
	st, err := w.m.Start(ctx, w.req("keep01"), w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}))
	if err != nil {
		t.Fatal(err)
	}
	first := st.Record.Expires
	w.clock.advance(23*time.Hour + 30*time.Minute)
	if evs := sweep(t, w); len(evs) != 1 {
		t.Fatalf("want the hour reminder, got %#v", evs)
	}
	got, err := w.m.Keep(ctx, "keep01", "U1", 24*time.Hour)
	if err != nil || !got.Equal(first.Add(24*time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("Keep = %s, %v; want %s", got, err, first.Add(24*time.Hour))
	}
	got, err = w.m.Keep(ctx, "keep01", "U1", 24*time.Hour)
	if err != nil || !got.Equal(first.Add(48*time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("second Keep = %s, %v", got, err)
	}
	if _, err := w.m.Keep(ctx, "keep01", "U1", 24*time.Hour); !errors.Is(err, lifetime.ErrMaxKeep) {
		t.Fatalf("Keep past the 3-day maximum = %v, want ErrMaxKeep", err)
	}
	if evs := sweep(t, w); len(evs) != 0 {
		t.Fatalf("sweep after Keep = %#v, want nothing", evs)
	}
	d, err := w.m.Delete(ctx, "keep01", "U1")
	if err != nil || d.Record.State != lifetime.StateDeleted {
		t.Fatalf("Delete now = %+v, %v", d, err)
	}
	if _, ok := w.srv.Instance(st.Record.InstanceID); ok {
		t.Error("the instance still exists")
	}
	if _, err := w.m.Delete(ctx, "keep01", "U1"); err == nil {
		t.Error("a second Delete now succeeded")
	}
	if live, _ := w.m.Registry().Live(ctx); len(live) != 0 {
		t.Errorf("live after delete: %+v", live)
	}
}

func TestDeleteRefusedOnTagOrIDMismatch(t *testing.T) {
	w := newWorld(t, 3)
	ctx := context.Background()
	st, err := w.m.Start(ctx, w.req("tags01"), w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}))
	if err != nil {
		t.Fatal(err)
	}
	in, _ := w.srv.Instance(st.Record.InstanceID)
	in.Tags[restore.TagRequest] = "someone-else"
	w.srv.AddInstance(in) // someone retagged it
	if _, err := w.m.Delete(ctx, "tags01", "expiry"); !errors.Is(err, restore.ErrNotOwned) {
		t.Fatalf("Delete of a retagged instance = %v, want ErrNotOwned", err)
	}
	if _, err := w.m.Delete(ctx, "nosuch", "U1"); !errors.Is(err, restore.ErrNotOwned) {
		t.Errorf("Delete of a request without an instance = %v, want ErrNotOwned", err)
	}
	// An untagged instance under another request's record pointing at it.
	st2, err := w.m.Start(ctx, w.req("tags02"), w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "orders-untagged"}))
	if err != nil {
		t.Fatal(err)
	}
	w.srv.AddInstance(gaussdbtest.Instance{ID: st2.Record.InstanceID, Name: "orders-untagged", Tags: map[string]string{}})
	if _, err := w.m.Delete(ctx, "tags02", "expiry"); !errors.Is(err, restore.ErrNotOwned) {
		t.Fatalf("Delete of an untagged instance = %v, want ErrNotOwned", err)
	}
	if _, err := w.m.Delete(ctx, "tags01", "U1"); err == nil || errors.Is(err, restore.ErrNotOwned) {
		t.Errorf("Delete of a disowned record = %v, want a state refusal without any call", err)
	}
	if n := len(w.srv.DeleteCalls()); n != 0 {
		t.Errorf("%d delete calls, want none", n)
	}
	if r, _, _ := w.m.Registry().Get(ctx, "tags01"); r.State != lifetime.StateRefused {
		t.Errorf("record state %s after refusals, want refused (disowned, off the cap)", r.State)
	}
	if live, _ := w.m.Registry().Live(ctx); len(live) != 0 {
		t.Errorf("a disowned instance still counts against the cap: %+v", live)
	}
}

func TestCapIsAtomic(t *testing.T) {
	w := newWorld(t, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	var ok, capped atomic.Int32
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "cap00" + string(rune('a'+i))
			p := w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "orders-cap-" + string(rune('a'+i))})
			_, err := w.m.Start(ctx, w.req(id), p)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, lifetime.ErrCap):
				capped.Add(1)
			default:
				t.Errorf("Start %s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 2 || capped.Load() != 4 || len(w.srv.CreateCalls()) != 2 {
		t.Errorf("created %d, capped %d, create calls %d; want 2, 4, 2", ok.Load(), capped.Load(), len(w.srv.CreateCalls()))
	}
}

func TestQuotaRefusalGivesThePlaceBack(t *testing.T) {
	w := newWorld(t, 1)
	ctx := context.Background()
	p := w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID})
	w.srv.SetInstanceQuota(1) // filled between approval and the call
	var fe *restore.FieldError
	if _, err := w.m.Start(ctx, w.req("quota1"), p); !errors.As(err, &fe) || !strings.Contains(fe.Problem, "quota") {
		t.Fatalf("Start = %v, want the re-check's quota refusal", err)
	}
	w.srv.SetInstanceQuota(50)
	if _, err := w.m.Start(ctx, w.req("quota2"), p); err != nil {
		t.Fatalf("Start after the quota freed: %v (the refused request kept its place?)", err)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Errorf("%d create calls, want 1", n)
	}
}

func TestCreate500ReconciledToTheInstanceThatAppeared(t *testing.T) {
	w := newWorld(t, 3)
	ctx := context.Background()
	p := w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID})
	w.srv.FailNextCreate(gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.200001","error_msg":"Internal"}`, StartJob: true})
	st, err := w.m.Start(ctx, w.req("r500aa"), p)
	if err != nil || !st.Reconciled || st.Record.InstanceID == "" || st.Record.JobID == "" {
		t.Fatalf("Start = %+v, %v; want the instance found by its tag, with its job", st, err)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Fatalf("%d create calls, want exactly 1 (never retried)", n)
	}
	if d, err := w.m.Await(ctx, st.Record, nil); err != nil || d.ID != st.Record.InstanceID {
		t.Errorf("Await = %+v, %v", d.ID, err)
	}
	// A 500 after which nothing appeared keeps its place and is not retried.
	w.srv.FailNextCreate(gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.200001","error_msg":"Internal"}`})
	p2 := w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "orders-second"})
	if _, err := w.m.Start(ctx, w.req("r500bb"), p2); !restore.IsUnknownOutcome(err) {
		t.Fatalf("Start = %v, want an unknown outcome", err)
	}
	if r, _, _ := w.m.Registry().Get(ctx, "r500bb"); r.State != lifetime.StateUnknown {
		t.Errorf("record %s, want unknown (still holding its place)", r.State)
	}
	if n := len(w.srv.CreateCalls()); n != 2 {
		t.Errorf("%d create calls, want 2", n)
	}
	// Its lifetime over and still nothing tagged with it: the place is
	// given back; the found one is deleted at its expiry.
	w.clock.advance(25 * time.Hour)
	sweep(t, w)
	if r, _, _ := w.m.Registry().Get(ctx, "r500bb"); r.State != lifetime.StateReleased {
		t.Errorf("unknown record after its expiry: %s, want released", r.State)
	}
	if r, _, _ := w.m.Registry().Get(ctx, "r500aa"); r.State != lifetime.StateDeleted {
		t.Errorf("reconciled record after its expiry: %s, want deleted", r.State)
	}
}

func TestFreezeStopsCreationNotDeletion(t *testing.T) {
	w := newWorld(t, 3)
	ctx := context.Background()
	st, err := w.m.Start(ctx, w.req("frz001"), w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID}))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.SetFreeze(ctx, "U9", "incident"); err != nil {
		t.Fatal(err)
	}
	var fz *lifetime.FrozenError
	p := w.plan(t, restore.NewSpec{Source: "orders-prod", BackupID: w.backup.ID, Name: "orders-frozen"})
	if _, err := w.m.Start(ctx, w.req("frz002"), p); !errors.As(err, &fz) || fz.Reason != "incident" {
		t.Fatalf("Start while frozen = %v, want a *FrozenError", err)
	}
	if n := len(w.srv.CreateCalls()); n != 1 {
		t.Errorf("%d create calls, want 1", n)
	}
	w.clock.advance(25 * time.Hour)
	evs := sweep(t, w)
	if len(evs) != 1 {
		t.Fatalf("sweep while frozen = %#v", evs)
	}
	if exp, ok := evs[0].(lifetime.Expired); !ok || exp.Err != nil || exp.Deleted.Record.InstanceID != st.Record.InstanceID {
		t.Fatalf("sweep while frozen = %#v, want the expired instance deleted", evs[0])
	}
}
