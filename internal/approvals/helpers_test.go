package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/redistest"
)

const requester = "UREQUESTER"

// t0 is the tests' starting time; its milliseconds check that no precision
// is lost on the way through Redis and Lua.
var t0 = time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// clock is a settable clock shared by the stores of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// slack is how far a time the store records may be from the test clock: the
// store reads Redis's clock, which moves on while a test runs (see NewStore).
const slack = 2 * time.Second

// approxTime compares times within slack.
var approxTime = cmpopts.EquateApproxTime(slack)

// near reports whether got is within slack after want.
func near(got, want time.Time) bool { return !got.Before(want) && got.Sub(want) <= slack }

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one test's Redis and clock; store makes stores over them, as
// several replicas would.
type env struct {
	rdb    redis.UniversalClient
	prefix string
	clk    *clock
}

// backend names a way to get a Redis for a test.
type backend struct {
	name string
	open func(testing.TB) (redis.UniversalClient, string)
}

// backends are the servers the lifecycle and concurrency tests run on:
// whatever redistest picks, and miniredis (the bot's embedded store).
var backends = []backend{{"redis", redistest.New}, {"miniredis", redistest.Miniredis}}

func newEnv(t testing.TB) *env { return newEnvOn(t, redistest.New) }

func newEnvOn(t testing.TB, open func(testing.TB) (redis.UniversalClient, string)) *env {
	t.Helper()
	rdb, prefix := open(t)
	return &env{rdb: rdb, prefix: prefix, clk: newClock()}
}

func (e *env) store(opts ...approvals.Option) *approvals.Store {
	return approvals.NewStore(e.rdb, e.prefix, e.clk.Now, opts...)
}

// targets numbers the instances newRequest restores onto.
var targets atomic.Int64

// newRequest is a request as the command layer would hand it to Create.
// Each restores onto an instance of its own, so that tests driving several
// requests to executing are not held back by one restore at a time per
// target (hold_test.go tests that).
func newRequest(required int) approvals.Request {
	return approvals.Request{
		Params: approvals.Params{
			SourceID: "src-1", SourceName: "orders-prod", TargetID: fmt.Sprintf("tgt-%d", targets.Add(1)), TargetName: "orders-restore",
			Type: approvals.TypeTimestamp, RestoreTimeMs: 1_900_000_000_123,
		},
		Reason:    "bad migration",
		Ticket:    "INC-42",
		Requester: requester,
		Rule:      approvals.Rule{Name: "prod", Approvers: []string{"SDBAS"}, RequiredApprovals: required},
		Channel:   "CAPPROVALS",
		ExpiresAt: t0.Add(time.Hour),
	}
}

// create stores a new request that expires an hour from the env's now.
func (e *env) create(t testing.TB, s *approvals.Store, required int) approvals.Request {
	t.Helper()
	in := newRequest(required)
	in.ExpiresAt = e.clk.Now().Add(time.Hour)
	r, err := s.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return r
}

// wantRefusal fails unless err is a *Refusal with the given reason.
func wantRefusal(t testing.TB, err error, reason approvals.Reason) *approvals.Refusal {
	t.Helper()
	var ref *approvals.Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("error = %v, want a refusal %q", err, reason)
	}
	if ref.Reason != reason {
		t.Fatalf("refusal reason = %q, want %q", ref.Reason, reason)
	}
	return ref
}

func approver(i int) string { return fmt.Sprintf("UAPPROVER%02d", i) }

// reach creates a request (one approval required) and drives it to state.
func reach(t testing.TB, e *env, s *approvals.Store, state approvals.State) approvals.Request {
	t.Helper()
	ctx := context.Background()
	r := e.create(t, s, 1)
	must := func(r approvals.Request, err error) approvals.Request {
		t.Helper()
		if err != nil {
			t.Fatalf("reach %s: %v", state, err)
		}
		return r
	}
	approve := func() approvals.Request {
		t.Helper()
		res, err := s.Approve(ctx, r.ID, approver(1), r.ParamHash)
		if err != nil || !res.Executing {
			t.Fatalf("reach %s: approve = %+v, %v", state, res, err)
		}
		return res.Request
	}
	switch state {
	case approvals.StatePending:
	case approvals.StateExecuting:
		r = approve()
	case approvals.StateSubmitted:
		approve()
		r = must(s.MarkSubmitted(ctx, r.ID, "job-1"))
	case approvals.StateCompleted:
		approve()
		must(s.MarkSubmitted(ctx, r.ID, "job-1"))
		r = must(s.MarkCompleted(ctx, r.ID, "done"))
	case approvals.StateFailed:
		approve()
		r = must(s.MarkFailed(ctx, r.ID, "quota"))
	case approvals.StateUnknown:
		approve()
		r = must(s.MarkUnknown(ctx, r.ID, "timeout"))
	case approvals.StateDryRun:
		approve()
		r = must(s.MarkDryRun(ctx, r.ID, "dry run"))
	case approvals.StateDenied:
		r = must(s.Deny(ctx, r.ID, approver(1), "no"))
	case approvals.StateCancelled:
		r = must(s.Cancel(ctx, r.ID, requester))
	case approvals.StateExpired:
		e.clk.Advance(2 * time.Hour)
		expired, err := s.ExpireDue(ctx, 10)
		if err != nil || len(expired) != 1 {
			t.Fatalf("reach expired: ExpireDue = %d requests, %v", len(expired), err)
		}
		r = expired[0]
	default:
		t.Fatalf("reach: unknown state %s", state)
	}
	if r.State != state {
		t.Fatalf("reach %s: got state %s", state, r.State)
	}
	return r
}
