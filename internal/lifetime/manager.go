package lifetime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/pause"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Cloud is what the manager calls. *restore.Client satisfies it.
type Cloud interface {
	CreateInstance(ctx context.Context, call restore.CreateCall, pw restore.Password) (restore.Created, error)
	DeleteInstance(ctx context.Context, instanceID string) (string, error)
	InstanceDetail(ctx context.Context, id string) (restore.Detail, error)
	InstancesTagged(ctx context.Context, key, value string) ([]restore.Live, error)
	RecentJobs(ctx context.Context, since, until time.Time) ([]restore.Job, error)
}

var _ Cloud = (*restore.Client)(nil)

// Rechecker checks a plan again just before the create call.
type Rechecker interface {
	Recheck(ctx context.Context, p restore.Plan) error
}

// Freezes says whether restores are frozen (*approvals.Store satisfies it).
// A freeze stops creation, never deletion.
type Freezes interface {
	Freeze(ctx context.Context) (reason, by string, on bool, err error)
}

// Options is what a Manager needs. Zero durations take defaults.
type Options struct {
	Log      zerolog.Logger
	Registry *Registry
	Cloud    Cloud
	Checker  Rechecker
	Freezes  Freezes
	Now      func() time.Time
	// PollInterval is how often a new instance is read while it builds
	// (default 15s); BuildTimeout how long it may take (default 90m: the
	// Terraform provider allows 60m to create).
	PollInterval time.Duration
	BuildTimeout time.Duration
	// CallTimeout bounds the one create call (default 60s).
	CallTimeout time.Duration
	// ReconcileFor is how long an unknown outcome is looked for in the job
	// list and the instance list (default 10m).
	ReconcileFor time.Duration
}

// Manager creates, follows and deletes the instances of restores to a new
// instance.
type Manager struct {
	o Options
}

// NewManager checks the options.
func NewManager(o Options) (*Manager, error) {
	switch {
	case o.Registry == nil || o.Cloud == nil || o.Checker == nil || o.Freezes == nil:
		return nil, errors.New("lifetime: registry, cloud, re-checker and freezes are required")
	case o.Now == nil:
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 15 * time.Second
	}
	if o.BuildTimeout <= 0 {
		o.BuildTimeout = 90 * time.Minute
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 60 * time.Second
	}
	if o.ReconcileFor <= 0 {
		o.ReconcileFor = 10 * time.Minute
	}
	return &Manager{o: o}, nil
}

// Registry is the manager's registry.
func (m *Manager) Registry() *Registry { return m.o.Registry }

// Request is what one creation is for: the request it belongs to, who
// asked, and where its thread is.
type Request struct {
	ID, Requester     string
	Channel, ThreadTS string
	MaxKeep           time.Duration // the rule's max_keep: Keep never goes past created + MaxKeep
}

// Started is a created instance: what the cloud said, and the root
// password. The password is held only here, in memory: the caller uses it
// once (a drill logs in) or drops it; nothing stores it.
type Started struct {
	Record   Record
	Password restore.Password
	// Reconciled: the create call gave no clear answer and the instance was
	// found afterwards by its request tag.
	Reconciled bool
}

// FrozenError: a freeze stopped the creation before the call.
type FrozenError struct{ Reason, By string }

func (e *FrozenError) Error() string { return "restores are frozen by " + e.By + ": " + e.Reason }

// Start makes the one create call for an approved plan, after the last
// checks (freeze, re-check, the cap): the returned error is one of
// *FrozenError, a *restore.FieldError from the re-check, ErrCap,
// *restore.RejectedError (nothing created, place given back),
// *restore.UnknownOutcomeError (not found by its tag within ReconcileFor:
// the place stays taken, never call again) or another error (never sent).
func (m *Manager) Start(ctx context.Context, req Request, plan restore.Plan) (Started, error) {
	if plan.Type != restore.TypeNewInstance || plan.New == nil {
		return Started{}, errors.New("not a restore to a new instance")
	}
	if err := m.frozen(ctx); err != nil {
		return Started{}, err
	}
	if err := m.o.Checker.Recheck(ctx, plan); err != nil {
		return Started{}, err
	}
	now := m.o.Now().UTC()
	rec := Record{RequestID: req.ID, Name: plan.New.Name, Requester: req.Requester, Source: plan.Source.ID,
		Channel: req.Channel, ThreadTS: req.ThreadTS, Expires: now.Add(plan.New.Keep), MaxExpires: now.Add(max(req.MaxKeep, plan.New.Keep))}
	call, err := plan.CreateCall(req.ID, rec.Expires)
	if err != nil {
		return Started{}, err
	}
	pw, err := restore.NewPassword()
	if err != nil {
		return Started{}, err
	}
	if err := m.o.Registry.Reserve(ctx, rec); err != nil {
		return Started{}, err
	}
	if err := m.frozen(ctx); err != nil { // the last look, right before the call
		m.release(ctx, req.ID, "not created: "+err.Error())
		return Started{}, err
	}
	return m.create(ctx, rec, call, pw)
}

func (m *Manager) frozen(ctx context.Context) error {
	reason, by, on, err := m.o.Freezes.Freeze(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("could not check the freeze, so nothing was created: %w", err)
	case on:
		return &FrozenError{Reason: reason, By: by}
	}
	return nil
}

func (m *Manager) release(ctx context.Context, id, why string) {
	if err := m.o.Registry.set(ctx, id, []State{StateCreating}, StateReleased, why); err != nil {
		m.o.Log.Warn().Err(err).Str("request_id", id).Msg("could not give back the new-instance place")
	}
}

// create makes the one call and settles its answer.
func (m *Manager) create(ctx context.Context, rec Record, call restore.CreateCall, pw restore.Password) (Started, error) {
	log := m.o.Log.With().Str("request_id", rec.RequestID).Str("instance_name", rec.Name).Logger()
	callCtx, cancel := context.WithTimeout(ctx, m.o.CallTimeout)
	created, err := m.o.Cloud.CreateInstance(callCtx, call, pw)
	cancel()
	var rejected *restore.RejectedError
	switch {
	case err == nil:
	case errors.As(err, &rejected):
		log.Warn().Err(err).Msg("create refused by GaussDB")
		m.release(ctx, rec.RequestID, "refused: "+err.Error())
		return Started{}, err
	case restore.IsUnknownOutcome(err):
		log.Error().Err(err).Msg("create outcome unknown; not retried, looking for the instance")
		if serr := m.o.Registry.set(ctx, rec.RequestID, []State{StateCreating}, StateUnknown, "outcome unknown: "+err.Error()); serr != nil {
			log.Warn().Err(serr).Msg("could not record the unknown outcome")
		}
		found, ok := m.reconcile(ctx, rec, time.Now())
		if !ok {
			return Started{}, err
		}
		created = found
	default:
		log.Error().Err(err).Msg("create not sent")
		m.release(ctx, rec.RequestID, "not sent: "+err.Error())
		return Started{}, err
	}
	rec.InstanceID, rec.JobID, rec.State = created.InstanceID, created.JobID, StateLive
	if err := m.o.Registry.set(ctx, rec.RequestID, []State{StateCreating, StateUnknown}, StateLive,
		"created "+created.InstanceID+" (job "+created.JobID+")", "instance_id", created.InstanceID, "job_id", created.JobID); err != nil {
		log.Error().Err(err).Str("instance_id", created.InstanceID).Msg("could not record the created instance")
	}
	log.Info().Str("instance_id", created.InstanceID).Str("job_id", created.JobID).Msg("new instance created")
	return Started{Record: rec, Password: pw, Reconciled: err != nil}, nil
}

// reconcile looks for the instance of an unknown outcome: tagged with the
// request, named as asked, created by the bot; and its job in the job
// list. It looks every PollInterval until ReconcileFor has passed.
func (m *Manager) reconcile(ctx context.Context, rec Record, called time.Time) (restore.Created, bool) {
	deadline := time.Now().Add(m.o.ReconcileFor)
	for {
		found, err := m.o.Cloud.InstancesTagged(ctx, restore.TagRequest, rec.RequestID)
		if err == nil {
			for _, l := range found {
				if l.Name == rec.Name && l.Tags[restore.TagCreatedBy] == restore.CreatedByBot {
					return restore.Created{InstanceID: l.ID, JobID: m.jobOf(ctx, l.ID, called), Status: l.Status}, true
				}
			}
		}
		if time.Now().After(deadline) || pause.For(ctx, m.o.PollInterval) != nil {
			return restore.Created{}, false
		}
	}
}

// jobOf finds the restore-to-new-instance job of an instance in the job
// list ("" when it is not there).
func (m *Manager) jobOf(ctx context.Context, instanceID string, since time.Time) string {
	jobs, err := m.o.Cloud.RecentJobs(ctx, since.Add(-time.Minute), time.Now().Add(time.Minute))
	if err != nil {
		return ""
	}
	for _, j := range jobs {
		if j.InstanceID == instanceID && (j.Name == restore.JobRestoreNewInstance || j.Name == restore.JobCreateInstance) {
			return j.ID
		}
	}
	return ""
}
