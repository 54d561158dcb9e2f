package lifetime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/pause"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Await follows a created instance until it is ACTIVE and returns its
// details (private address, port). progress, when not nil, is told each
// status read. A FAILED instance or one still building after BuildTimeout
// is an error; the instance is left for its expiry (or Delete now).
func (m *Manager) Await(ctx context.Context, rec Record, progress func(status string)) (restore.Detail, error) {
	deadline := time.Now().Add(m.o.BuildTimeout)
	for {
		d, err := m.o.Cloud.InstanceDetail(ctx, rec.InstanceID)
		switch {
		case err == nil && d.Status == "ACTIVE":
			return d, nil
		case err == nil && (d.Status == "FAILED" || d.Status == "createfail"):
			return d, fmt.Errorf("new instance %s (%s) is %s", rec.Name, rec.InstanceID, d.Status)
		case err == nil && progress != nil:
			progress(d.Status)
		case err != nil && !restore.IsNotFound(err):
			m.o.Log.Warn().Err(err).Str("request_id", rec.RequestID).Msg("could not read the new instance; trying again")
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("new instance %s (%s) is not ACTIVE after %s", rec.Name, rec.InstanceID, m.o.BuildTimeout)
		}
		if err := pause.For(ctx, m.o.PollInterval); err != nil {
			return d, err
		}
	}
}

// Deleted says how a deletion ended.
type Deleted struct {
	Record Record
	JobID  string // the delete job; "" when the instance was already gone
	Gone   bool   // the instance had already disappeared
}

// Delete deletes a request's instance, and only if it is the one the bot
// created for that request: the record's instance ID must be the one the
// cloud shows, and the instance's tags must say the bot created it for
// this request. Anything else is refused with restore.ErrNotOwned and
// nothing is called. A freeze never stops a deletion.
func (m *Manager) Delete(ctx context.Context, requestID, actor string) (Deleted, error) {
	rec, ok, err := m.o.Registry.Get(ctx, requestID)
	switch {
	case err != nil:
		return Deleted{}, err
	case !ok:
		return Deleted{}, fmt.Errorf("request %s created no instance: %w", requestID, restore.ErrNotOwned)
	case rec.State != StateLive:
		return Deleted{}, &errState{from: "live", to: "deleted", at: string(rec.State)}
	case rec.InstanceID == "":
		return Deleted{}, fmt.Errorf("request %s has no recorded instance ID: %w", requestID, restore.ErrNotOwned)
	}
	log := m.o.Log.With().Str("request_id", requestID).Str("instance_id", rec.InstanceID).Logger()
	d, err := m.o.Cloud.InstanceDetail(ctx, rec.InstanceID)
	if restore.IsNotFound(err) {
		return m.gone(ctx, rec, actor)
	}
	if err != nil {
		return Deleted{}, fmt.Errorf("read instance %s before deleting it: %w", rec.InstanceID, err)
	}
	if err := restore.CheckOwned(d.Live, rec.InstanceID, rec.RequestID); err != nil {
		log.Error().Err(err).Msg("REFUSED to delete an instance the bot did not create for this request")
		if serr := m.o.Registry.set(ctx, requestID, []State{StateLive}, StateRefused, "deletion refused: "+err.Error()); serr != nil {
			log.Warn().Err(serr).Msg("could not record the refusal")
		}
		rec.State = StateRefused
		return Deleted{Record: rec}, err
	}
	if err := m.o.Registry.set(ctx, requestID, []State{StateLive}, StateDeleting, "deleting (by "+actor+")"); err != nil {
		return Deleted{}, err // another replica (or click) is deleting it
	}
	jobID, err := m.o.Cloud.DeleteInstance(ctx, rec.InstanceID)
	if restore.IsNotFound(err) {
		return m.gone(ctx, rec, actor)
	}
	if err != nil {
		log.Error().Err(err).Msg("delete call failed; the instance stays recorded and is tried again")
		if serr := m.o.Registry.set(ctx, requestID, []State{StateDeleting}, StateLive, "delete failed: "+err.Error()); serr != nil {
			log.Warn().Err(serr).Msg("could not put the record back")
		}
		return Deleted{Record: rec}, err
	}
	if err := m.o.Registry.set(ctx, requestID, []State{StateDeleting}, StateDeleted,
		"deleted by "+actor+" (job "+jobID+")", "deleted_by", actor); err != nil {
		log.Warn().Err(err).Msg("could not record the deletion")
	}
	rec.State, rec.DeletedBy = StateDeleted, actor
	log.Info().Str("job_id", jobID).Str("actor", actor).Msg("new instance deleted")
	return Deleted{Record: rec, JobID: jobID}, nil
}

func (m *Manager) gone(ctx context.Context, rec Record, actor string) (Deleted, error) {
	err := m.o.Registry.set(ctx, rec.RequestID, []State{StateLive, StateDeleting}, StateDeleted,
		"instance already gone (seen by "+actor+")", "deleted_by", actor)
	if err != nil {
		return Deleted{}, err
	}
	rec.State, rec.DeletedBy = StateDeleted, actor
	return Deleted{Record: rec, Gone: true}, nil
}

// Keep pushes the instance's expiry back by d, up to its maximum. Who may
// keep it (the requester or an approver) is the caller's to check.
func (m *Manager) Keep(ctx context.Context, requestID, actor string, d time.Duration) (time.Time, error) {
	return m.o.Registry.Extend(ctx, requestID, d, actor)
}

// Reminder: an instance expires in Left; Level 1 is the hour reminder, 2
// the ten-minute one. Each is given once per expiry.
type Reminder struct {
	Record Record
	Left   time.Duration
	Level  int
}

// Expired: an instance reached its expiry and Sweep deleted it (Err nil)
// or could not (Err says why; it is tried again).
type Expired struct {
	Deleted Deleted
	Err     error
}

// Reminder lead times.
const (
	RemindFirst = time.Hour
	RemindLast  = 10 * time.Minute
)

// Sweep gives the reminders that are due and deletes the instances whose
// expiry has passed, reporting each as a Reminder or an Expired. Several
// replicas may sweep at once: every reminder and deletion is claimed
// atomically.
func (m *Manager) Sweep(ctx context.Context) ([]any, error) {
	recs, err := m.o.Registry.Live(ctx)
	if err != nil {
		return nil, err
	}
	var out []any
	now := m.o.Now()
	for _, r := range recs {
		if r.State == StateUnknown && !now.Before(r.Expires) {
			m.settleUnknown(ctx, r)
			continue
		}
		if r.State != StateLive {
			continue
		}
		left := r.Expires.Sub(now)
		if left <= 0 {
			d, err := m.Delete(ctx, r.RequestID, "expiry")
			var es *errState
			if errors.As(err, &es) {
				continue // someone else took it
			}
			out = append(out, Expired{Deleted: d, Err: err})
			continue
		}
		level := 0
		switch {
		case left <= RemindLast && r.Reminded < 2:
			level = 2
		case left <= RemindFirst && r.Reminded < 1:
			level = 1
		}
		if level == 0 {
			continue
		}
		if ok, err := m.o.Registry.claimReminder(ctx, r, level); err != nil || !ok {
			continue
		}
		r.Reminded = level
		out = append(out, Reminder{Record: r, Left: left, Level: level})
	}
	return out, nil
}

// Ready reads a request's instance once its job ended: the record and
// the instance's details (address, port).
func (m *Manager) Ready(ctx context.Context, requestID string) (Record, restore.Detail, error) {
	rec, ok, err := m.o.Registry.Get(ctx, requestID)
	switch {
	case err != nil:
		return Record{}, restore.Detail{}, err
	case !ok || rec.InstanceID == "":
		return rec, restore.Detail{}, fmt.Errorf("request %s has no recorded instance", requestID)
	}
	d, err := m.o.Cloud.InstanceDetail(ctx, rec.InstanceID)
	return rec, d, err
}

// settleUnknown settles, once its lifetime is over, a record whose create
// had an unknown outcome and whose instance was not found then: an
// instance tagged with the request that appeared since is recorded (and
// deleted at the next sweep, its time being up); none gives the place
// back. A cloud that cannot answer leaves it for the next sweep.
func (m *Manager) settleUnknown(ctx context.Context, r Record) {
	found, err := m.o.Cloud.InstancesTagged(ctx, restore.TagRequest, r.RequestID)
	if err != nil {
		m.o.Log.Warn().Err(err).Str("request_id", r.RequestID).Msg("could not look for the instance of an unknown outcome")
		return
	}
	for _, l := range found {
		if l.Name == r.Name && l.Tags[restore.TagCreatedBy] == restore.CreatedByBot {
			if err := m.o.Registry.set(ctx, r.RequestID, []State{StateUnknown}, StateLive, "found "+l.ID+" after an unknown outcome",
				"instance_id", l.ID); err != nil {
				m.o.Log.Warn().Err(err).Str("request_id", r.RequestID).Msg("could not record the instance found")
			}
			return
		}
	}
	if err := m.o.Registry.set(ctx, r.RequestID, []State{StateUnknown}, StateReleased, "no instance appeared by its expiry"); err != nil {
		m.o.Log.Warn().Err(err).Str("request_id", r.RequestID).Msg("could not give back the place")
	}
}
