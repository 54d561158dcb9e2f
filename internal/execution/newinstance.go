package execution

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/lifetime"
	"github.com/dbrestore/db-restore/internal/restore"
)

// NewInstanceMaker makes the one create call of a restore to a new
// instance (after its own freeze, re-check and cap checks) and reads the
// instance once its job ended. *lifetime.Manager satisfies it.
type NewInstanceMaker interface {
	Start(ctx context.Context, req lifetime.Request, plan restore.Plan) (lifetime.Started, error)
	Ready(ctx context.Context, requestID string) (lifetime.Record, restore.Detail, error)
}

var _ NewInstanceMaker = (*lifetime.Manager)(nil)

// NewInstanceCreated: GaussDB is building the new instance (job JobID);
// Reconciled says the create call gave no clear answer and the instance
// was found by its request tag.
type NewInstanceCreated struct {
	Name, InstanceID, JobID string
	Expires                 time.Time
	Reconciled              bool
}

// NewInstanceReady: the new instance is ACTIVE: where it answers, and when
// the bot deletes it.
type NewInstanceReady struct {
	Name, InstanceID string
	PrivateIPs       []string
	Port             string
	Expires          time.Time
	Took             time.Duration
}

func (NewInstanceCreated) event() {}
func (NewInstanceReady) event()   {}

// submitNew makes the one create call of an approved restore to a new
// instance. The root password lives only inside this call: it is dropped
// here, never reported, stored or logged.
func (e *Executor) submitNew(ctx context.Context, log zerolog.Logger, req approvals.Request) {
	plan := planOfNew(req.Params)
	if e.opt.DryRun {
		if !e.precall(ctx, log, req, approvals.PhaseCheck) {
			return
		}
		e.m.RestoreCall("dry_run")
		e.finish(ctx, log, req, DryRun{Call: newDryRunDetail(req, plan)})
		return
	}
	if e.fresh == nil {
		e.notCalled(ctx, log, req, "this bot cannot create instances, so nothing was created")
		return
	}
	if !e.precall(ctx, log, req, approvals.PhaseRestore) {
		return
	}
	maxKeep := time.Duration(0)
	if req.Params.New != nil {
		maxKeep = req.Params.New.MaxKeep
	}
	callCtx, cancel := context.WithTimeout(ctx, e.opt.RestoreTimeout+e.opt.ReconcileAfter+time.Minute) // the call, and looking for its instance
	st, err := e.fresh.Start(callCtx, lifetime.Request{ID: req.ID, Requester: req.Requester, Channel: req.Channel,
		ThreadTS: req.MessageTS, MaxKeep: maxKeep}, plan)
	cancel()
	if err != nil {
		e.newInstanceFailed(ctx, log, req, err)
		return
	}
	log.Info().Str("instance_id", st.Record.InstanceID).Str("job_id", st.Record.JobID).Msg("new instance created")
	e.m.RestoreCall("submitted")
	e.m.NewInstanceCreated(map[bool]string{false: "created", true: "reconciled"}[st.Reconciled])
	e.say.Report(ctx, req, NewInstanceCreated{Name: st.Record.Name, InstanceID: st.Record.InstanceID, JobID: st.Record.JobID,
		Expires: st.Record.Expires, Reconciled: st.Reconciled})
	if st.Record.JobID == "" {
		e.finish(ctx, log, req, OutcomeUnknown{Detail: "instance " + st.Record.InstanceID + " was found by its tag but not its job; check it in the GaussDB console (the bot deletes it at its expiry)"})
		return
	}
	e.submitted(ctx, log, req, st.Record.JobID)
}

// newInstanceFailed ends a request whose create did not happen (or whose
// outcome is unknown), saying why.
func (e *Executor) newInstanceFailed(ctx context.Context, log zerolog.Logger, req approvals.Request, err error) {
	var (
		rejected *restore.RejectedError
		frozen   *lifetime.FrozenError
		field    *restore.FieldError
	)
	e.m.APIError("gaussdb", "create_instance")
	switch {
	case errors.As(err, &rejected):
		e.refusedBy(ctx, log, req, err, rejected, "create", "to create the instance")
	case restore.IsUnknownOutcome(err):
		log.Error().Err(err).Msg("create outcome unknown")
		e.m.RestoreCall("unknown")
		e.finish(ctx, log, req, OutcomeUnknown{Detail: "the create call did not give a clear answer (" + err.Error() +
			") and no instance tagged with this request appeared; it was NOT retried"})
	case errors.As(err, &frozen):
		e.notCalled(ctx, log, req, "restores were frozen just before the create call ("+frozen.Reason+"), so nothing was created")
	case errors.Is(err, lifetime.ErrCap):
		e.notCalled(ctx, log, req, "too many instances created by the bot are alive ("+err.Error()+", RESTORE_MAX_NEW_INSTANCES); delete one and ask again")
	case errors.As(err, &field):
		e.notCalled(ctx, log, req, "re-check before creating the instance failed, so nothing was created: "+plainReason(err))
	default:
		log.Error().Err(err).Msg("create not sent")
		e.m.RestoreCall("not_sent")
		e.finish(ctx, log, req, NotSent{Detail: "the create call could not be sent, so nothing was created: " + err.Error()})
	}
}

// newInstanceReady tells everyone where the finished instance answers.
func (e *Executor) newInstanceReady(ctx context.Context, log zerolog.Logger, rec approvals.Request, took time.Duration) {
	ev := NewInstanceReady{Took: took}
	if rec.Params.New != nil {
		ev.Name = rec.Params.New.Name
	}
	if e.fresh != nil {
		r, d, err := e.fresh.Ready(ctx, rec.ID)
		if err != nil {
			log.Warn().Err(err).Msg("could not read the new instance's address")
		}
		ev.InstanceID, ev.Expires, ev.PrivateIPs, ev.Port = r.InstanceID, r.Expires, d.PrivateIPs, d.Port
	}
	e.say.Report(ctx, rec, ev)
}

// planOfNew rebuilds a new instance's plan from stored parameters.
func planOfNew(p approvals.Params) restore.Plan {
	plan := restore.Plan{Source: restore.Instance{ID: p.SourceID, Name: p.SourceName}, Type: restore.TypeNewInstance}
	if n := p.New; n != nil {
		plan.New = &restore.NewInstance{
			Name: n.Name, RestoreType: string(n.RestoreType), Region: n.Region,
			DatastoreType: n.DatastoreType, DatastoreVersion: n.DatastoreVersion, Mode: n.Mode, FlavorRef: n.FlavorRef,
			AZMode: n.AZMode, MasterAZ: n.MasterAZ, VpcID: n.VpcID, SubnetID: n.SubnetID, SecurityGroupID: n.SecurityGroupID,
			TimeZone: n.TimeZone, ConfigurationID: n.ConfigurationID, LowerCaseTables: n.LowerCaseTables,
			SlaveCount: n.SlaveCount, BackupWindow: n.BackupWindow, EnterpriseProjID: n.EnterpriseProjID, Keep: n.Keep,
		}
	}
	if p.BackupID != "" {
		plan.Backup = &restore.Backup{ID: p.BackupID, InstanceID: p.SourceID}
	} else {
		plan.RestoreTime = p.RestoreTime()
	}
	return plan
}

// newDryRunDetail is the create call a dry run would have made, without
// any password.
func newDryRunDetail(req approvals.Request, plan restore.Plan) string {
	if plan.New == nil {
		return "dry run: the request has no new instance"
	}
	call, err := plan.CreateCall(req.ID, time.Now().Add(plan.New.Keep))
	if err != nil {
		return "dry run: no create call could be built: " + err.Error()
	}
	body, _ := json.Marshal(restore.CreateBody(call, restore.Password{}))
	return "dry run: POST /v3/{project_id}/instances " + string(body)
}
