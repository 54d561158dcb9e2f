package drill_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/drill/mysqltest"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// fakeCloud is a GaussDB stand-in for the runner: sources with a backup,
// new instances that turn ACTIVE after some polls and answer at a real
// MariaDB where the create call's password logs in as the runner's user.
type fakeCloud struct {
	t    *testing.T
	db   *mysqltest.DB
	user string

	mu          sync.Mutex
	sources     []restore.Instance
	live        map[string]*fakeInstance // by ID
	creates     int
	passwords   []string // revealed, to check none is shown
	deletes     []string
	activeAfter int    // polls before ACTIVE
	addr        string // where new instances answer; db.Addr when empty
	rejectNext  error  // the next create is refused
	lostNext    bool   // the next create's answer is lost (instance made)
	guardErr    error
	blockCreate chan struct{} // when set, Create waits on it
	backups     map[string][]restore.Backup
}

func (f *fakeCloud) Backups(_ context.Context, id string, _ int) ([]restore.Backup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]restore.Backup(nil), f.backups[id]...), nil
}

type fakeInstance struct {
	id, name, run string
	polls         int
}

func newFakeCloud(t *testing.T, db *mysqltest.DB, sources ...string) *fakeCloud {
	f := &fakeCloud{t: t, db: db, user: "drl" + fmt.Sprint(time.Now().UnixNano()%1e9), live: map[string]*fakeInstance{}}
	for i, name := range sources {
		f.sources = append(f.sources, restore.Instance{ID: fmt.Sprintf("%032xin07", i+1), Name: name, Status: "ACTIVE", Tags: map[string]string{"env": "prod"}})
	}
	return f
}

func (f *fakeCloud) ListInstances(context.Context) ([]restore.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]restore.Instance(nil), f.sources...)
	for _, in := range f.live { // drill instances are listed too, tagged
		out = append(out, restore.Instance{ID: in.id, Name: in.name, Tags: map[string]string{"env": "prod", "db-restore-created-by": "db-restore"}})
	}
	return out, nil
}

func (f *fakeCloud) Plan(_ context.Context, d policy.Drill, src restore.Instance, requestID string, at time.Time) (drill.Planned, error) {
	p := drill.Planned{SourceID: src.ID, RequestID: requestID, Name: src.Name + "-drill-" + at.UTC().Format("200601021504")}
	if d.From == policy.FromPointInTime {
		p.Instant, p.Age = at.Add(-d.Ago), d.Ago
	} else {
		p.BackupID, p.Instant, p.Age = "b-"+src.Name, at.Add(-3*time.Hour), 3*time.Hour
	}
	return p, nil
}

func (f *fakeCloud) Create(_ context.Context, _ policy.Drill, p drill.Planned) (drill.Created, restore.Password, error) {
	password, err := restore.NewPassword()
	if err != nil {
		return drill.Created{}, restore.Password{}, err
	}
	pw := password.Reveal()
	if ch := f.blockCreate; ch != nil {
		<-ch
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	f.passwords = append(f.passwords, pw)
	if err := f.rejectNext; err != nil {
		f.rejectNext = nil
		return drill.Created{}, restore.Password{}, fmt.Errorf("%w: DBS.200001 %v", drill.ErrRejected, err)
	}
	if err := f.db.AddUser(f.t, f.user, pw); err != nil {
		return drill.Created{}, restore.Password{}, fmt.Errorf("%w: %v", drill.ErrRejected, err)
	}
	id := fmt.Sprintf("%032xin07", 1000+f.creates)
	f.live[id] = &fakeInstance{id: id, name: p.Name, run: p.RequestID}
	if f.lostNext {
		f.lostNext = false
		return drill.Created{}, password, errors.New("timeout awaiting response")
	}
	return drill.Created{InstanceID: id, JobID: "job-" + id}, password, nil
}

// Find and Delete, like the real ones, go only by the run's tag.
func (f *fakeCloud) Find(_ context.Context, name, requestID string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, in := range f.live {
		if in.name == name && in.run == requestID {
			return in.id, nil
		}
	}
	return "", nil
}

func (f *fakeCloud) Status(_ context.Context, id, _ string) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.live[id]
	if !ok {
		return "", "", fmt.Errorf("instance %s: not found", id)
	}
	if in.polls++; in.polls <= f.activeAfter {
		return "BUILD", "", nil
	}
	if f.addr != "" {
		return "ACTIVE", f.addr, nil
	}
	return "ACTIVE", f.db.Addr, nil
}

func (f *fakeCloud) Delete(_ context.Context, id, requestID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	in, ok := f.live[id]
	switch {
	case !ok:
		return fmt.Errorf("instance %s: not found", id)
	case in.run != requestID:
		return fmt.Errorf("instance %s is tagged with request %q, not %q: refused", id, in.run, requestID)
	}
	delete(f.live, id)
	f.deletes = append(f.deletes, id)
	return nil
}

func (f *fakeCloud) BeforeCreate(context.Context, policy.Drill, restore.Instance) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.guardErr
}

func (f *fakeCloud) counts() (creates, live int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates, len(f.live)
}

// events collects what people would be told.
type events struct {
	mu  sync.Mutex
	all []drill.Event
}

func (e *events) DrillEvent(_ context.Context, ev drill.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) of(kind drill.EventKind) []drill.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []drill.Event
	for _, ev := range e.all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}
