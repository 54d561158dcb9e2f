package drill

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Lister lists the project's instances, with their tags, so a drill's
// match can pick the ones it covers.
type Lister interface {
	ListInstances(ctx context.Context) ([]restore.Instance, error)
}

// Creator restores an instance to a new one exactly as a person's
// new-instance restore does: Plan checks it (backup or time, name, quota,
// flavor, policy), Create makes the one create call, never retried, and
// Find looks for the instance a call of unknown outcome may have made.
type Creator interface {
	Plan(ctx context.Context, d policy.Drill, src restore.Instance, requestID string, at time.Time) (Planned, error)
	Create(ctx context.Context, d policy.Drill, p Planned) (Created, restore.Password, error)
	Find(ctx context.Context, name, requestID string) (instanceID string, err error)
}

// Keeper follows and removes the instances drills create (Status follows
// the create job too, when there is one). Delete refuses an instance whose
// tags do not say the bot created it for requestID.
type Keeper interface {
	Status(ctx context.Context, instanceID, jobID string) (status, addr string, err error)
	Delete(ctx context.Context, instanceID, requestID string) error
}

// Guard is a drill's own check before the create path (which itself checks
// the freeze, re-checks the plan and takes a place under the cap): the
// source's rule not frozen. A non-nil error says why the call is not made.
type Guard interface {
	BeforeCreate(ctx context.Context, d policy.Drill, src restore.Instance) error
}

// Created is a create call's answer: the new instance and the job building
// it (either may be empty when the outcome is unknown).
type Created struct {
	InstanceID, JobID string
}

// Planned is a checked restore of one source to a new instance.
type Planned struct {
	SourceID string
	// RequestID is what the instance is tagged with and registered under
	// (one per run and source; see RequestID).
	RequestID string
	Name      string    // the new instance's name
	BackupID  string    // set for a backup restore
	Instant   time.Time // the backup's instant, or the point in time
	Age       time.Duration
	Detail    any // the adapter's own plan, handed back to Create
}

// ErrRejected wraps a create call GaussDB refused: nothing was created.
var ErrRejected = errors.New("refused")

// Notifier is told of each run's start and end, and of overdue drills;
// slackview words the events and slackapp posts them.
type Notifier interface {
	DrillEvent(ctx context.Context, e Event)
}

// Event is something people hear about a drill.
type Event struct {
	Kind  EventKind
	Drill policy.Drill
	Run   Run // the run (EventStarted, EventEnded)
	// Stats of the drill's last runs (EventEnded, EventOverdue).
	Stats Stats
	Next  time.Time // the next period's start
	// A stale backup (EventStaleBackup): the instance, its newest COMPLETED
	// backup (nil: none), how old it is, the rule's limit, and the rule's
	// incident channel ("" for the bot's).
	Instance restore.Instance
	Backup   *restore.Backup
	Age      time.Duration
	MaxAge   time.Duration
	Channel  string
}

// EventKind names an Event.
type EventKind string

// Event kinds.
const (
	EventStarted EventKind = "started"
	EventEnded   EventKind = "ended"
	EventOverdue EventKind = "overdue" // no pass within twice the period
	// EventStaleBackup: an instance's newest COMPLETED backup is older than
	// its rule's max_backup_age (Instance, Backup, Age, MaxAge, Channel).
	EventStaleBackup EventKind = "stale_backup"
)

// Options configure a Runner. Policy, Store, Lister, Creator, Keeper,
// Guard and Notifier are required.
type Options struct {
	Policy   func() *policy.Policy
	Store    *Store
	Lister   Lister
	Backups  BackupReader // nil: max_backup_age is not checked
	Creator  Creator
	Keeper   Keeper
	Guard    Guard
	Notifier Notifier
	Log      zerolog.Logger
	Now      func() time.Time
	// Tick is how often due drills are looked for (default 30s); Poll how
	// often a new instance's status is read (default 30s).
	Tick, Poll time.Duration
	// User logs in to restored instances (default root) with the password
	// the bot generated for the create call.
	User string
}

// Runner runs due drills, at most one run per drill period across every
// replica sharing the Store.
type Runner struct {
	o       Options
	mu      sync.Mutex
	running map[string]bool             // drills with a run in this process
	pw      map[string]restore.Password // run ID/source ID → password, in memory only
	wg      sync.WaitGroup
}

// NewRunner returns a runner; see Options for the defaults.
func NewRunner(o Options) *Runner {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	if o.User == "" {
		o.User = "root"
	}
	return &Runner{o: o, running: map[string]bool{}, pw: map[string]restore.Password{}}
}

// Run looks for due drills every Tick until ctx ends, then waits for the
// runs in flight to stop (each leaves its progress for a replica to
// resume).
func (r *Runner) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.Tick)
	defer t.Stop()
	defer r.wg.Wait()
	for {
		r.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Wait blocks until the runs started so far have stopped.
func (r *Runner) Wait() { r.wg.Wait() }

// Tick starts every drill whose period has not run, resumes interrupted
// runs, deletes kept instances whose time is up, announces overdue drills
// and, hourly, stale backups.
func (r *Runner) Tick(ctx context.Context) {
	now := r.o.Now()
	for _, d := range r.o.Policy().Drills {
		sched, err := NewSchedule(d.Schedule)
		if err != nil {
			r.o.Log.Error().Err(err).Str("drill", d.Name).Msg("Drill schedule unreadable.")
			continue
		}
		slot, next := sched.Slot(now)
		if !slot.IsZero() {
			r.start(ctx, d, Run{Drill: d.Name, Slot: slot, Started: now}, "")
		}
		r.checkOverdue(ctx, d, sched, now, next)
	}
	r.sweepKept(ctx)
	r.checkStale(ctx)
}

// ErrBusy is RunNow's answer when the drill already has a run.
var ErrBusy = errors.New("the drill has a run in progress")

// ErrNoDrill is RunNow's answer for a name the policy has no drill of.
var ErrNoDrill = errors.New("no such drill")

// RunNow starts a run of the drill at once, outside its schedule, for who.
func (r *Runner) RunNow(ctx context.Context, name, who string) (Run, error) {
	d, ok := r.o.Policy().Drill(name)
	if !ok {
		return Run{}, fmt.Errorf("%w: %q", ErrNoDrill, name)
	}
	run, ok := r.start(ctx, d, Run{Drill: d.Name, Started: r.o.Now(), Manual: who}, who)
	if !ok {
		return Run{}, ErrBusy
	}
	return run, nil
}

// start claims run (or the drill's interrupted run) and runs it in the
// background; false when there is nothing to run.
func (r *Runner) start(ctx context.Context, d policy.Drill, run Run, who string) (Run, bool) {
	r.mu.Lock()
	if r.running[d.Name] {
		r.mu.Unlock()
		return Run{}, false
	}
	r.running[d.Name] = true
	r.mu.Unlock()
	release := func() { r.mu.Lock(); delete(r.running, d.Name); r.mu.Unlock() }
	run.ID, run.Stage, run.Manual = RunID(d.Name, run.Slot, run.Started), StageRunning, who
	claim, got, err := r.o.Store.Claim(ctx, run)
	if err != nil {
		r.o.Log.Error().Err(err).Str("drill", d.Name).Msg("Drill claim failed.")
	}
	if claim != ClaimNew && claim != ClaimResume {
		release()
		return Run{}, false
	}
	log := r.o.Log.With().Str("drill", d.Name).Str("drill_run", got.ID).Logger()
	log.Info().Bool("resumed", claim == ClaimResume).Msg("Drill run claimed.")
	snapshot := *got
	snapshot.Targets = slices.Clone(got.Targets)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer release()
		r.execute(ctx, d, got, claim == ClaimResume, log)
	}()
	return snapshot, true
}

// checkOverdue announces, once per period, a drill with no pass within
// twice its period.
func (r *Runner) checkOverdue(ctx context.Context, d policy.Drill, s Schedule, now, next time.Time) {
	period := s.Period(now)
	if period <= 0 {
		return
	}
	runs, err := r.o.Store.Runs(ctx, d.Name, KeptRuns)
	if err != nil {
		return
	}
	st := Summarize(runs)
	since := st.LastPass
	if since.IsZero() {
		first, err := r.o.Store.FirstSeen(ctx, d.Name, now)
		if err != nil {
			return
		}
		since = first
	}
	if now.Sub(since) <= 2*period {
		return
	}
	if ok, err := r.o.Store.Once(ctx, "overdue:"+d.Name, next.Sub(now)+time.Minute); err == nil && ok {
		r.o.Notifier.DrillEvent(ctx, Event{Kind: EventOverdue, Drill: d, Stats: st, Next: next})
	}
}
