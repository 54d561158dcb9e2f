package intake

import (
	"context"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// NewInstanceValidator checks a restore to a new instance against the
// cloud and the policy (*restore.NewInstanceValidator).
type NewInstanceValidator interface {
	Validate(ctx context.Context, s restore.NewSpec) (restore.Plan, error)
}

// errNoNewInstances refuses target=new where the bot cannot create
// instances (an offline dry run).
var errNoNewInstances = &restore.FieldError{Field: restore.FieldTarget,
	Problem:  "this bot cannot create instances (no cloud credentials)",
	Accepted: "target= an existing instance"}

// validateNew reads a target=new draft's time in the requester's zone and
// checks it.
func (s *Service) validateNew(ctx context.Context, d Draft, loc *time.Location) (restore.Plan, error) {
	if s.o.NewInstances == nil {
		return restore.Plan{}, errNoNewInstances
	}
	t, err := draftTime(d.Time, loc)
	if err != nil {
		return restore.Plan{}, err
	}
	spec := restore.NewSpec{Source: d.Source, BackupID: d.BackupID, Name: d.Name, Keep: d.Keep, Time: t}
	return s.validated(s.o.NewInstances.Validate(ctx, spec))
}

// newInstanceRule is the rule captured for a restore to a new instance:
// the source's rule as its new_instance settings say (approvers,
// threshold), never a safety backup (nothing is overwritten).
func (s *Service) newInstanceRule(r policy.Rule, why policy.Why) (policy.Rule, approvals.Rule) {
	r = r.NewInstanceRule()
	return r, approvals.Rule{
		Name: r.Name, Approvers: r.Approvers, RequiredApprovals: r.Required(),
		IncidentChannel: firstOf(r.IncidentChannel, s.o.IncidentChannel),
		Why:             why.String() + "; new instance settings",
	}
}

// newParams is the stored form of a plan's new instance.
func newParams(p restore.Plan, maxKeep time.Duration) *approvals.NewInstance {
	n := p.New
	if n == nil {
		return nil
	}
	return &approvals.NewInstance{
		Name: n.Name, RestoreType: approvals.RestoreType(n.RestoreType), Region: n.Region,
		DatastoreType: n.DatastoreType, DatastoreVersion: n.DatastoreVersion, Mode: n.Mode, FlavorRef: n.FlavorRef,
		AZMode: n.AZMode, MasterAZ: n.MasterAZ, VpcID: n.VpcID, SubnetID: n.SubnetID, SecurityGroupID: n.SecurityGroupID,
		TimeZone: n.TimeZone, ConfigurationID: n.ConfigurationID, LowerCaseTables: n.LowerCaseTables,
		SlaveCount: n.SlaveCount, BackupWindow: n.BackupWindow, EnterpriseProjID: n.EnterpriseProjID,
		Keep: n.Keep, MaxKeep: maxKeep,
	}
}
