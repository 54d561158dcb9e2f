package intake

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
)

// groups is user-group membership as plain values: no Slack.
type groups struct {
	mu      sync.Mutex
	members map[string][]string // group ID -> user IDs
}

func (g *groups) Member(_ context.Context, user string, allowed []string, _ time.Time) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range allowed {
		if id == user || slices.Contains(g.members[id], user) {
			return true, nil
		}
	}
	return false, nil
}

func (g *groups) leave(group, user string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.members[group] = slices.DeleteFunc(slices.Clone(g.members[group]), func(u string) bool { return u == user })
}

type utc struct{}

func (utc) Location(context.Context, string) (*time.Location, error) { return time.UTC, nil }

type noValidator struct{}

func (noValidator) Validate(context.Context, restore.Spec) (restore.Plan, error) {
	return restore.Plan{}, errors.New("not in this test")
}

const (
	requester = "UREQ"
	direct    = "UAPP" // listed by ID
	mate      = "UGRP" // through group SDBA
	mate2     = "UGRP2"
	outsider  = "UOUT"
	group     = "SDBA"
)

// newService is intake over a real Redis, with the policy given.
func newService(t *testing.T, p *policy.Policy, g *groups) *Service {
	t.Helper()
	rdb, prefix := redistest.New(t)
	s, err := New(Options{
		Log: zerolog.Nop(), Store: approvals.NewStore(rdb, prefix, time.Now), Policy: p, Validator: noValidator{},
		People: g, Zones: utc{}, Now: time.Now, BreakGlass: []string{requester}, RequestTTL: time.Hour, PolicyHeartbeat: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Guard().Claim(context.Background()) {
		t.Fatal(s.Guard().Problem())
	}
	return s
}

// pending stores a request under rule and returns it.
func pending(t *testing.T, s *Service, rule approvals.Rule, breakGlass string) approvals.Request {
	t.Helper()
	r, err := s.o.Store.Create(context.Background(), approvals.Request{
		Params:    approvals.Params{SourceID: "src", TargetID: "tgt", Type: approvals.TypeBackup, BackupID: "b1"},
		Requester: requester, Reason: "test", Rule: rule, BreakGlass: breakGlass, Channel: "C1", ExpiresAt: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Who may approve, with plain values: each case makes a request under a
// rule, lets some people approve first, changes group membership, then
// one more person clicks Approve.
func TestWhoMayApprove(t *testing.T) {
	approvers := []string{direct, group}
	tests := []struct {
		name       string
		required   int
		breakGlass bool // the request was made with break_glass= (rule of 3)
		frozenNow  bool // the rule in force now is frozen
		before     []string
		leaves     []string // leave the group after the approvals before
		clicker    string
		// want
		refused   func(error) bool
		executing bool
		count     int
		dropped   []string
	}{
		{name: "requester never approves their own", required: 1, clicker: requester, refused: isRefusal(approvals.ReasonSelfApproval)},
		{name: "direct approver", required: 1, clicker: direct, executing: true, count: 1},
		{name: "group member", required: 1, clicker: mate, executing: true, count: 1},
		{name: "outsider", required: 1, clicker: outsider, refused: isRefusal(approvals.ReasonNotApprover)},
		{name: "second of two", required: 2, before: []string{mate}, clicker: direct, executing: true, count: 2},
		{name: "removed member is dropped at the threshold", required: 2, before: []string{mate}, leaves: []string{mate},
			clicker: direct, count: 1, dropped: []string{mate}},
		{name: "removed member cannot click", required: 2, leaves: []string{mate}, clicker: mate, refused: isRefusal(approvals.ReasonNotApprover)},
		{name: "break-glass needs one approver", breakGlass: true, clicker: mate, executing: true, count: 1},
		{name: "break-glass never the requester", breakGlass: true, clicker: requester, refused: isRefusal(approvals.ReasonSelfApproval)},
		{name: "frozen rule", required: 1, frozenNow: true, clicker: direct, refused: isFrozen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &groups{members: map[string][]string{group: {mate, mate2}}}
			p := &policy.Policy{Source: "test.yml", Default: policy.Rule{Name: "default", Approvers: approvers, RequiredApprovals: max(tt.required, 1)}}
			ruleNow := *p
			s := newService(t, &ruleNow, g)
			rule := approvals.Rule{Name: "default", Approvers: approvers, RequiredApprovals: tt.required}
			bg := ""
			if tt.breakGlass {
				bg = "the site is down"
				got, _, err := s.RuleFor(context.Background(), requester, "C1", restore.Plan{Type: restore.TypeBackup,
					Source: restore.Instance{ID: "src"}, Target: restore.Instance{ID: "tgt"}}, bg)
				if err != nil {
					t.Fatal(err)
				}
				rule = got
			}
			req := pending(t, s, rule, bg)
			for _, u := range tt.before {
				if _, err := s.Decide(context.Background(), Click{User: u, RequestID: req.ID, SeenHash: req.ParamHash, Approve: true}); err != nil {
					t.Fatalf("approval by %s before: %v", u, err)
				}
			}
			for _, u := range tt.leaves {
				g.leave(group, u)
			}
			if tt.frozenNow {
				s.o.Policy.Default.Frozen, s.o.Policy.Default.FrozenReason = true, "change freeze"
			}
			d, err := s.Decide(context.Background(), Click{User: tt.clicker, RequestID: req.ID, SeenHash: req.ParamHash, Approve: true})
			if tt.refused != nil {
				if err == nil || !tt.refused(err) {
					t.Fatalf("Decide = %+v, %v; want a refusal", d, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Executing != tt.executing || d.Count != tt.count || !slices.Equal(d.Dropped, tt.dropped) {
				t.Errorf("Decide: executing %v, count %d, dropped %q; want %v, %d, %q", d.Executing, d.Count, d.Dropped, tt.executing, tt.count, tt.dropped)
			}
		})
	}
}

func isRefusal(reason approvals.Reason) func(error) bool {
	return func(err error) bool {
		var r *approvals.Refusal
		return errors.As(err, &r) && r.Reason == reason
	}
}

func isFrozen(err error) bool {
	var f *FrozenError
	return errors.As(err, &f) && f.Rule == "default" && f.Reason == "change freeze"
}

// Break-glass lowers a rule of 3 to one approver, and only for the people
// allowed to use it.
func TestBreakGlassRule(t *testing.T) {
	g := &groups{members: map[string][]string{group: {mate}}}
	p := &policy.Policy{Source: "test.yml", Default: policy.Rule{Name: "default", Approvers: []string{group}, RequiredApprovals: 3}}
	s := newService(t, p, g)
	plan := restore.Plan{Type: restore.TypeBackup, Source: restore.Instance{ID: "src"}, Target: restore.Instance{ID: "tgt"}}
	r, _, err := s.RuleFor(context.Background(), requester, "C1", plan, "down")
	if err != nil || r.Required() != 1 || r.BreakGlassFrom != 3 {
		t.Fatalf("break-glass rule = %+v, %v; want 1 approval, from 3", r, err)
	}
	_, _, err = s.RuleFor(context.Background(), mate, "C1", plan, "down")
	var na *NotAllowedError
	if !errors.As(err, &na) || na.Action != ActionBreakGlass || !slices.Equal(na.Who, []string{requester}) {
		t.Fatalf("break-glass by someone not allowed: %v", err)
	}
}
