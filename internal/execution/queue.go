package execution

import (
	"context"
	"errors"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/pause"
)

// Queued: the threshold was reached while WaitingFor was restoring onto the
// same instance; the request waits, never called while the instance is
// held, and goes ahead (Dispatched) when it is free.
type Queued struct{ WaitingFor string }

// Dispatched: the instance a queued request waited for is free (After was
// the last request it waited for); the request goes ahead as an approved
// one (Approved follows), re-checked as usual.
type Dispatched struct{ After string }

// QueueExpired: a queued request reached its expiry while WaitingFor was
// still restoring onto the instance; nothing was restored.
type QueueExpired struct{ WaitingFor string }

// AwaitingConfirmation: the approval that reached the threshold is not yet
// confirmed by the Redis replicas; the request waits for the confirmation
// up to Within, then goes ahead (re-checked) or ends not called.
type AwaitingConfirmation struct{ Within time.Duration }

func (Queued) event()               {}
func (Dispatched) event()           {}
func (QueueExpired) event()         {}
func (AwaitingConfirmation) event() {}

// Queued tells everyone that req reached its threshold but waits for the
// request restoring onto the same instance.
func (e *Executor) Queued(ctx context.Context, req approvals.Request) {
	e.m.Transition(string(approvals.StateQueued))
	e.say.Report(ctx, req, Queued{WaitingFor: req.WaitingFor})
}

// Dispatch moves on the queued requests whose instance is free: each
// such request is run as an approval that reached its threshold is (in the
// background, like a safety backup's wait); expired and frozen ones are
// reported. Run it when a restore ends and from the sweeper.
func (e *Executor) Dispatch(ctx context.Context) {
	ds, err := e.store.DispatchQueued(ctx, 0)
	if err != nil {
		e.log.Warn().Err(err).Msg("could not dispatch queued requests")
	}
	for _, d := range ds {
		r := d.Request
		log := e.log.With().Str("request_id", r.ID).Str("after", r.WaitingFor).Logger()
		switch d.Outcome {
		case approvals.DispatchExpired:
			log.Info().Msg("queued request expired while waiting for the instance")
			e.m.Transition(string(r.State))
			e.say.Report(ctx, r, QueueExpired{WaitingFor: r.WaitingFor})
		case approvals.DispatchStopped:
			log.Warn().Msg("queued request stopped by a freeze; restore not called")
			e.stopped(ctx, r)
		case approvals.DispatchExecuting:
			log.Info().Bool("confirmed", !d.NotDurable).Msg("instance free: queued request goes ahead")
			e.m.Transition(string(approvals.StateExecuting))
			e.say.Report(ctx, r, Dispatched{After: r.WaitingFor})
			// The caller's context may be one poll's: the run outlives it,
			// as a click's run outlives the click (Stop ends long waits).
			run := context.WithoutCancel(ctx)
			e.executions.Go(func() {
				if d.NotDurable {
					e.awaitConfirmation(run, r)
					return
				}
				e.Execute(run, r)
			})
		}
	}
}

// confirmEvery is how often an unconfirmed approval asks the replicas again.
const confirmEvery = time.Second

// AwaitConfirmation handles a threshold approval the replicas did not
// confirm (ApproveResult.NotDurable). Ended already (the store has no
// patience), it is reported not called. Otherwise the thread says it waits;
// the confirmation is asked for again until the store's patience has
// passed: confirmed, the request goes ahead (Execute re-checks it before
// any call); not, it ends not called. The wait runs beside the caller's
// worker pool, like a safety backup's.
func (e *Executor) AwaitConfirmation(ctx context.Context, req approvals.Request) {
	if req.State != approvals.StateExecuting || e.store.Patience() <= 0 {
		e.NotDurable(ctx, req)
		return
	}
	run := context.WithoutCancel(ctx) // the click's context ends with its handler
	e.executions.Go(func() { e.awaitConfirmation(run, req) })
}

func (e *Executor) awaitConfirmation(ctx context.Context, req approvals.Request) {
	log := e.log.With().Str("request_id", req.ID).Logger()
	within := e.store.Patience()
	e.say.Report(ctx, req, AwaitingConfirmation{Within: within})
	deadline := time.Now().Add(within)
	for {
		rec, err := e.store.ConfirmExecuting(ctx, req.ID)
		var refusal *approvals.Refusal
		switch {
		case err == nil:
			log.Info().Msg("the approval is confirmed by the Redis replicas after a wait; going ahead")
			e.Execute(ctx, SamePlace(rec, req))
			return
		case errors.As(err, &refusal):
			// The move to executing was lost (a failover) or the lease
			// lapsed: nothing may be called from here.
			log.Warn().Str("state", string(refusal.State)).Msg("the unconfirmed approval is gone; restore not called")
			e.NotDurable(ctx, SamePlace(refusal.Request, req))
			return
		}
		if time.Now().After(deadline) || pause.For(ctx, confirmEvery) != nil {
			log.Error().Err(err).Dur("within", within).Msg("the approval was not confirmed in time; restore not called")
			rec, ferr := e.store.MarkFailed(ctx, req.ID, approvals.NotDurableDetail)
			if ferr != nil {
				log.Warn().Err(ferr).Msg("could not end the unconfirmed request; its lease lapses and the reaper ends it")
				rec = req
			}
			e.NotDurable(ctx, SamePlace(rec, req))
			return
		}
	}
}
