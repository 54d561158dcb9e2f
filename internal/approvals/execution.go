package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Phase names the mutating cloud call a PreCall guards.
type Phase string

// The phases of PreCall.
const (
	PhaseBackup  Phase = "backup"  // before creating the safety backup
	PhaseRestore Phase = "restore" // before the restore POST: writes the called marker
	PhaseCheck   Phase = "check"   // a dry run: nothing will be called
)

// Why a PreCall stopped a request (PreCallResult.Why).
const (
	StopLeaseLost  = "lease_lost"
	StopFrozen     = "frozen"
	StopRuleFrozen = "rule_frozen"
	StopHeld       = "held" // another request is restoring onto the instance
)

// PreCallResult is what the one check before a mutating call found.
type PreCallResult struct {
	Request Request // as it stands after the check
	// Stopped: the request ended here as failed ("stopped: <why>, restore
	// not called"); nothing may be called. Why is one of the Stop* codes.
	Stopped bool
	Why     string
}

// PreCall is the one atomic step immediately before every mutating cloud
// call: it renews this store's restore lease and checks that the request is
// still executing, that this store still holds the lease, that restores are
// not frozen, and that the request's rule is not frozen in the policy record
// (rule is the request's captured rule name, used when the request has no
// rule recorded by its approval). Before the restore POST (PhaseRestore) it
// also writes the called marker, so that a crash before it reads as "not
// called" and after it as outcome unknown. A failed check ends the request
// in the same step (Stopped). A passed check before a call is confirmed by
// the Redis replicas (see Durability); when they do not confirm it, the
// error wraps ErrNotDurable and nothing may be called. A request that is no longer executing gives a
// *Refusal (ReasonNotPending): someone else ended and reported it.
func (s *Store) PreCall(ctx context.Context, id, rule string, phase Phase) (PreCallResult, error) {
	var confirm func(result) bool // a check that lets a call go out is confirmed by the replicas
	if phase != PhaseCheck {
		confirm = func(res result) bool { return res.status == "ok" }
	}
	req, res, err := s.transitionDurable(ctx, "check before the "+string(phase)+" call of", s.sc.precall, id, confirm,
		s.owner, strconv.FormatInt(s.leaseTTL.Milliseconds(), 10), string(phase), rule)
	if err != nil {
		return PreCallResult{Request: req}, err
	}
	if res.status == "stopped" {
		return PreCallResult{Request: req, Stopped: true, Why: res.extra}, nil
	}
	return PreCallResult{Request: req}, nil
}

// LateAnswer records the restore call's answer that came after the request
// was marked outcome_unknown (its lease lapsed and it was reaped): with a
// jobID the request becomes submitted and is followed; without one, failed
// with detail (a late refusal). Audited as late_answer. A request no longer
// outcome_unknown gives a *Refusal (ReasonNotPending).
func (s *Store) LateAnswer(ctx context.Context, id, jobID, detail string) (Request, error) {
	to := StateFailed
	if jobID != "" {
		to = StateSubmitted
	}
	return s.reconcile(ctx, id, "late_answer", to, jobID, detail)
}

// AttachJob records that GaussDB's job list shows a restore job for an
// outcome_unknown request: it becomes submitted with jobID and is followed.
func (s *Store) AttachJob(ctx context.Context, id, jobID, detail string) (Request, error) {
	if jobID == "" {
		return Request{}, errors.New("attach job: job id is empty")
	}
	return s.reconcile(ctx, id, "reconciled", StateSubmitted, jobID, detail)
}

// NoJobFound records that no restore job appeared for an outcome_unknown
// request; it stays outcome_unknown, with detail, and is not looked for again.
func (s *Store) NoJobFound(ctx context.Context, id, detail string) (Request, error) {
	return s.reconcile(ctx, id, "reconciled", "", "", detail)
}

func (s *Store) reconcile(ctx context.Context, id, action string, to State, jobID, detail string) (Request, error) {
	req, _, err := s.transition(ctx, action+" of", s.sc.reconcile, id, action, string(to), jobID, detail)
	return req, err
}

// ToReconcile lists up to limit outcome_unknown requests still to be matched
// against GaussDB's job list, oldest first.
func (s *Store) ToReconcile(ctx context.Context, limit int) ([]Request, error) {
	if limit <= 0 {
		limit = defaultSweepLimit
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.prefix+"reconcile", &redis.ZRangeBy{
		Min: "-inf", Max: "+inf", Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("list requests to reconcile: %w", err)
	}
	reqs, err := s.getMany(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list requests to reconcile: %w", err)
	}
	return reqs, nil
}

// CallTime is when the request's restore call went out, as well as the
// store knows: the called marker, else (a request from before the marker)
// when it was last updated.
func CallTime(r Request) time.Time {
	if !r.CalledAt.IsZero() {
		return r.CalledAt
	}
	return r.UpdatedAt
}
