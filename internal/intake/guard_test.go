package intake

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// A replica whose first policy claim fails for another reason than a
// mismatch acts on nothing, saying why, until a claim succeeds.
func TestGuardFailsClosedUntilAClaimSucceeds(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	// A policy record Redis cannot read as one: every claim errors.
	if err := rdb.Set(ctx, prefix+"policy", "not a hash", 0).Err(); err != nil {
		t.Fatal(err)
	}
	p := policy.FromEnv([]string{direct}, nil, "", "")
	s, err := New(Options{Log: zerolog.Nop(), Store: approvals.NewStore(rdb, prefix, time.Now), Policy: p, Validator: noValidator{},
		People: &groups{}, Zones: utc{}, Now: time.Now, RequestTTL: time.Hour, PolicyHeartbeat: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s.Guard().Claim(ctx) {
		t.Fatal("the claim succeeded over a record of the wrong type")
	}
	var pe *PolicyError
	if err := s.Guard().Problem(); !errors.As(err, &pe) || !strings.Contains(err.Error(), "not been confirmed") || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Fatalf("Problem() = %v; want not confirmed, saying why", err)
	}
	if _, err := s.Create(ctx, requester, "C1", Draft{Reason: "x"}); !errors.As(err, &pe) {
		t.Fatalf("Create before any claim = %v; want a *PolicyError", err)
	}
	if _, err := s.Decide(ctx, Click{User: direct, RequestID: "abc", Approve: true}); !errors.As(err, &pe) {
		t.Fatalf("Decide before any claim = %v; want a *PolicyError", err)
	}

	rdb.Del(ctx, prefix+"policy")
	if !s.Guard().Claim(ctx) || s.Guard().Problem() != nil {
		t.Fatalf("after the record was fixed: %v", s.Guard().Problem())
	}
	// Later failures to reach Redis change nothing: the Lua steps check the
	// record themselves.
	rdb.Set(ctx, prefix+"policy", "not a hash", 0)
	if s.Guard().Claim(ctx) || s.Guard().Problem() != nil {
		t.Fatalf("a failed renewal after a success: %v", s.Guard().Problem())
	}
}

// RESTORE_BREAK_GLASS, RESTORE_ADMINS and RESTORE_DRY_RUN are part of what
// replicas must agree on: a replica with other settings is refused its
// claim, and the refusal names the settings that differ.
func TestGuardSettingsMustMatch(t *testing.T) {
	rdb, prefix := redistest.New(t)
	ctx := context.Background()
	p := policy.FromEnv([]string{direct}, nil, "", "")
	guard := func(s Settings) *Guard {
		return newGuard(zerolog.Nop(), approvals.NewStore(rdb, prefix, time.Now), p, s, time.Minute)
	}
	first := guard(Settings{BreakGlass: []string{"U1", "U2"}, Admins: []string{"UADM"}})
	if !first.Claim(ctx) {
		t.Fatal(first.Problem())
	}
	if same := guard(Settings{BreakGlass: []string{"U2", "U1", "U1"}, Admins: []string{"UADM"}}); same.Hash() != first.Hash() || !same.Claim(ctx) {
		t.Fatalf("the same settings in another order: hash %s, want %s", same.Hash(), first.Hash())
	}
	tests := []struct {
		name string
		s    Settings
		want []string
	}{
		{"dry run", Settings{BreakGlass: []string{"U1", "U2"}, Admins: []string{"UADM"}, DryRun: true}, []string{"RESTORE_DRY_RUN"}},
		{"break-glass", Settings{BreakGlass: []string{"U1"}, Admins: []string{"UADM"}}, []string{"RESTORE_BREAK_GLASS"}},
		{"admins and break-glass", Settings{Admins: []string{"UOTHER"}}, []string{"RESTORE_BREAK_GLASS", "RESTORE_ADMINS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := guard(tt.s)
			if g.Hash() == first.Hash() || g.Claim(ctx) {
				t.Fatalf("a replica with other settings claimed the record (hash %s)", g.Hash())
			}
			err := g.Problem()
			if got := Differs(err); !slices.Equal(got, tt.want) {
				t.Errorf("Differs(%v) = %q, want %q", err, got, tt.want)
			}
		})
	}
}

// TestNewRequiresItsDurations: New sets no default (config has them), and
// names what is missing.
func TestNewRequiresItsDurations(t *testing.T) {
	rdb, prefix := redistest.New(t)
	full := Options{Log: zerolog.Nop(), Store: approvals.NewStore(rdb, prefix, time.Now), Policy: policy.FromEnv([]string{direct}, nil, "", ""),
		Validator: noValidator{}, People: &groups{}, Zones: utc{}, Now: time.Now, RequestTTL: time.Hour, PolicyHeartbeat: time.Second}
	if _, err := New(full); err != nil {
		t.Fatalf("New with every setting: %v", err)
	}
	for name, unset := range map[string]func(*Options){
		"RequestTTL":      func(o *Options) { o.RequestTTL = 0 },
		"PolicyHeartbeat": func(o *Options) { o.PolicyHeartbeat = 0 },
	} {
		o := full
		unset(&o)
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}
