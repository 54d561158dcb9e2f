// Package intake owns a restore request from the moment someone asks until
// the approval that reaches its threshold: checking who asks and what
// (validation against the cloud, the rule in force, break-glass, the
// replica policy guard, estimates), storing it, and deciding on it (who may
// approve, the re-checks of earlier approvers, the threshold). It knows no
// chat platform: people come in as IDs, user-group membership through
// Membership, and every refusal is a typed error that the adapter words.
package intake

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/metrics"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Validator checks a request against the cloud before it is stored.
type Validator interface {
	Validate(ctx context.Context, s restore.Spec) (restore.Plan, error)
}

// Instances reads one instance (its tags, for tag rules).
type Instances interface {
	Instance(ctx context.Context, id string) (restore.Instance, error)
}

// Backups lists an instance's backups, newest first, for estimates.
type Backups interface {
	Backups(ctx context.Context, instanceID string, limit int) ([]restore.Backup, error)
}

// Membership says whether a person is among allowed: listed by ID, or a
// member of a listed user group (S…). Group lists read before asOf are
// read again, so that a check that must see a removal at once does.
type Membership interface {
	Member(ctx context.Context, user string, allowed []string, asOf time.Time) (bool, error)
}

// DrillTimes gives the recovery times of an instance's restore drills,
// newest first (*drill.Store).
type DrillTimes interface {
	Durations(ctx context.Context, instanceID string) ([]time.Duration, error)
}

// Zones says which time zone a person is in, to read a wall-clock time.
type Zones interface {
	Location(ctx context.Context, user string) (*time.Location, error)
}

// Options is what a Service needs. Instances and Backups are nil offline.
type Options struct {
	Log       zerolog.Logger
	Store     *approvals.Store
	Policy    *policy.Policy
	Validator Validator
	Instances Instances
	Backups   Backups
	People    Membership
	Zones     Zones
	Metrics   *metrics.Metrics // nil: not measured
	Now       func() time.Time
	// DrillTimes are the restore drills' recovery times per source
	// instance, for the estimate; nil when no drills run.
	DrillTimes DrillTimes
	// NewInstances checks restores to a new instance; nil: refused.
	NewInstances NewInstanceValidator

	BreakGlass      []string // may lower a rule's threshold to one approver
	Admins          []string // may freeze restores and review break-glass
	ApprovalChannel string
	IncidentChannel string
	RequestTTL      time.Duration
	DryRun          bool
	// PolicyHeartbeat is how often the policy record is claimed again; a
	// hold lapses after three of them.
	PolicyHeartbeat time.Duration
}

// Service creates requests and decides on them.
type Service struct {
	o     Options
	guard *Guard
}

// New checks the options and builds the service.
func New(o Options) (*Service, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("intake: no request store")
	case o.Policy == nil:
		return nil, errors.New("intake: no policy")
	case o.Validator == nil:
		return nil, errors.New("intake: no validator")
	case o.People == nil || o.Zones == nil:
		return nil, errors.New("intake: no directory of people")
	case o.Now == nil:
		return nil, errors.New("intake: no clock")
	case o.RequestTTL <= 0 || o.PolicyHeartbeat <= 0:
		return nil, errors.New("intake: Options.RequestTTL and Options.PolicyHeartbeat must be positive (config.Defaults has them)")
	}
	s := &Service{o: o}
	s.guard = newGuard(o.Log, o.Store, o.Policy, Settings{BreakGlass: o.BreakGlass, Admins: o.Admins, DryRun: o.DryRun}, o.PolicyHeartbeat)
	return s, nil
}

// Guard is the replica policy guard the service checks.
func (s *Service) Guard() *Guard { return s.guard }

// Policy is the policy this replica applies.
func (s *Service) Policy() *policy.Policy { return s.o.Policy }

func (s *Service) member(ctx context.Context, user string, allowed []string) (bool, error) {
	return s.o.People.Member(ctx, user, allowed, time.Time{})
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
