package restore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The fields a new-instance refusal can name, besides source, backup, time.
const (
	FieldName = "name"
	FieldKeep = "keep"
)

// NewInstanceCloud is what checking a restore to a new instance reads.
// *Client satisfies it.
type NewInstanceCloud interface {
	InstanceDetail(ctx context.Context, id string) (Detail, error)
	FindInstances(ctx context.Context, name string) ([]Instance, error)
	InstanceQuota(ctx context.Context) (Quota, error)
	Flavors(ctx context.Context, version, azMode, specCode string) ([]Flavor, error)
}

var _ NewInstanceCloud = (*Client)(nil)

// NewInstanceRules says what the policy allows for a source's new
// instances. *policy.Policy satisfies it.
type NewInstanceRules interface {
	NewInstanceRule(source Instance) NewInstanceRule
}

// NewInstanceValidator checks restores to a new instance. It reuses a
// Validator's checks of the source, the backup and the time.
type NewInstanceValidator struct {
	base  *Validator
	cloud NewInstanceCloud
	rules NewInstanceRules
}

// ForNewInstances returns a checker of restores to new instances that
// reads the cloud through cloud and the policy through rules.
func (v *Validator) ForNewInstances(cloud NewInstanceCloud, rules NewInstanceRules) *NewInstanceValidator {
	return &NewInstanceValidator{base: v, cloud: cloud, rules: rules}
}

// Validate resolves and checks a spec: the backup or time as for every
// restore, then the policy, the lifetime, the name, the quota and the
// flavor. A refusal of the input is a *FieldError.
func (n *NewInstanceValidator) Validate(ctx context.Context, s NewSpec) (Plan, error) {
	src, err := n.base.resolve(ctx, FieldSource, s.Source)
	if err != nil {
		return Plan{}, err
	}
	keep, err := n.checkRule(src, s.Keep)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Source: src, Type: TypeNewInstance}
	if err := n.checkPoint(ctx, &p, s, true); err != nil {
		return Plan{}, err
	}
	d, err := n.cloud.InstanceDetail(ctx, src.ID)
	if err != nil {
		return Plan{}, fmt.Errorf("details of source: %w", err)
	}
	lct, err := n.caseSensitivity(ctx, src.ID)
	if err != nil {
		return Plan{}, err
	}
	name := strings.TrimSpace(s.Name)
	if name == "" {
		name = DefaultNewName(src.Name, instant(p.Backup, p.RestoreTime))
	}
	p.New = newInstanceFrom(d, name, lct, keep)
	p.New.RestoreType = restoreTypeOf(p)
	if err := n.checkCloud(ctx, *p.New); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// Recheck repeats, just before the create call, what can change while
// people approve: the backup or window, the name still free, the quota,
// the flavor still sold.
func (n *NewInstanceValidator) Recheck(ctx context.Context, p Plan) error {
	if p.Type != TypeNewInstance || p.New == nil {
		return fmt.Errorf("recheck: not a restore to a new instance")
	}
	src, err := n.base.cloud.Instance(ctx, p.Source.ID)
	if IsNotFound(err) {
		return &FieldError{Field: FieldSource, Problem: fmt.Sprintf("instance %s no longer exists", p.Source.ID), Accepted: acceptInstance}
	}
	if err != nil {
		return fmt.Errorf("recheck source: %w", err)
	}
	s := NewSpec{Source: src.ID, Time: p.RestoreTime}
	if p.Backup != nil {
		s.BackupID, s.Time = p.Backup.ID, time.Time{}
	}
	q := Plan{Source: src}
	if err := n.checkPoint(ctx, &q, s, false); err != nil {
		return err
	}
	return n.checkCloud(ctx, *p.New)
}

// checkRule applies the policy: new instances allowed, and the lifetime.
func (n *NewInstanceValidator) checkRule(src Instance, keep time.Duration) (time.Duration, error) {
	r := n.rules.NewInstanceRule(src)
	if !r.Allowed {
		return 0, &FieldError{Field: FieldTarget,
			Problem:  fmt.Sprintf("rule %s does not allow restores of %s to a new instance", strconv.Quote(r.Rule), describe(src)),
			Accepted: "target= an existing instance, or a policy with new_instance: {allowed: true}"}
	}
	if keep == 0 {
		keep = r.Keep
	}
	switch {
	case keep < MinKeep:
		return 0, &FieldError{Field: FieldKeep, Problem: fmt.Sprintf("keep=%s is shorter than %s", keep, MinKeep),
			Accepted: fmt.Sprintf("a lifetime from %s to %s", MinKeep, FormatKeep(r.MaxKeep))}
	case keep > r.MaxKeep:
		return 0, &FieldError{Field: FieldKeep,
			Problem:  fmt.Sprintf("keep=%s is longer than rule %s allows", FormatKeep(keep), strconv.Quote(r.Rule)),
			Accepted: fmt.Sprintf("a lifetime of at most %s", FormatKeep(r.MaxKeep))}
	}
	return keep, nil
}

// checkPoint checks the backup or the time like every restore does, and
// records it in p.
func (n *NewInstanceValidator) checkPoint(ctx context.Context, p *Plan, s NewSpec, notFuture bool) error {
	switch {
	case s.BackupID != "" && !s.Time.IsZero():
		return &FieldError{Field: FieldTime, Problem: "both a backup and a time were given", Accepted: "either a backup ID or a time, not both"}
	case s.BackupID != "":
		b, err := n.base.checkBackup(ctx, p.Source, s.BackupID)
		if err != nil {
			return err
		}
		p.Backup = &b
	case !s.Time.IsZero():
		t := s.Time.UTC().Truncate(time.Millisecond)
		w, err := n.base.checkTime(ctx, p.Source, t, notFuture)
		if err != nil {
			return err
		}
		p.RestoreTime, p.Window = t, &w
	default:
		return &FieldError{Field: FieldBackup, Problem: "neither a backup nor a time was given",
			Accepted: acceptBackupID + ", or a time inside one of the source's restorable windows"}
	}
	return nil
}

func restoreTypeOf(p Plan) string {
	if p.Backup != nil {
		return TypeBackup
	}
	return TypeTimestamp
}

func (n *NewInstanceValidator) caseSensitivity(ctx context.Context, id string) (int32, error) {
	v, err := n.base.cloud.CaseSensitivity(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("case sensitivity of source: %w", err)
	}
	switch v {
	case "0":
		return 0, nil
	case "1":
		return 1, nil
	}
	return 0, fmt.Errorf("case sensitivity of source: lower_case_table_names is %q, not 0 or 1", v)
}

// newInstanceFrom copies what the new instance takes from its source.
func newInstanceFrom(d Detail, name string, lct int32, keep time.Duration) *NewInstance {
	n := &NewInstance{
		Name: name, Region: d.Region, DatastoreType: d.DatastoreType, DatastoreVersion: d.DatastoreVersion,
		Mode: d.Mode, FlavorRef: d.FlavorRef, AZMode: d.AZMode, MasterAZ: d.MasterAZ,
		VpcID: d.VpcID, SubnetID: d.SubnetID, SecurityGroupID: d.SecGroupID, TimeZone: d.TimeZone,
		ConfigurationID: d.ConfigurationID, LowerCaseTables: lct, SlaveCount: int32(d.ReadReplicas),
		BackupWindow: d.BackupWindow, EnterpriseProjID: d.EnterpriseProjectID, Keep: keep,
	}
	if n.Mode == "" {
		n.Mode = "Cluster"
	}
	if n.Mode == "StandSingle" {
		n.SlaveCount = 0
	}
	if n.AZMode == "" {
		n.AZMode = "single"
	}
	if n.BackupWindow == "" {
		n.BackupWindow = "00:00-01:00"
	}
	return n
}

// checkCloud checks the name, the quota and the flavor against the cloud.
func (n *NewInstanceValidator) checkCloud(ctx context.Context, ni NewInstance) error {
	if err := CheckInstanceName(ni.Name); err != nil {
		return &FieldError{Field: FieldName, Problem: err.Error(), Accepted: AcceptName}
	}
	taken, err := n.cloud.FindInstances(ctx, ni.Name)
	if err != nil {
		return fmt.Errorf("look up name %s: %w", ni.Name, err)
	}
	if len(taken) > 0 {
		return &FieldError{Field: FieldName, Problem: fmt.Sprintf("an instance named %s already exists (%s)", ni.Name, taken[0].ID),
			Accepted: "a name no instance has, e.g. name=" + ni.Name + "-2"}
	}
	q, err := n.cloud.InstanceQuota(ctx)
	if err != nil {
		return fmt.Errorf("instance quota: %w", err)
	}
	if q.Used+1 > q.Max {
		return &FieldError{Field: FieldTarget, Problem: fmt.Sprintf("the project's instance quota is used up (%d of %d)", q.Used, q.Max),
			Accepted: "a restore onto an existing instance, or a higher quota (ask your cloud administrator), or delete an unused instance"}
	}
	return n.checkFlavor(ctx, ni)
}

// checkFlavor checks that the source's flavor is still sold in its zone.
func (n *NewInstanceValidator) checkFlavor(ctx context.Context, ni NewInstance) error {
	fs, err := n.cloud.Flavors(ctx, ni.DatastoreVersion, ni.AZMode, ni.FlavorRef)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.SpecCode != ni.FlavorRef {
			continue
		}
		if ni.MasterAZ == "" {
			for _, st := range f.AZStatus {
				if st == "normal" {
					return nil
				}
			}
		} else if f.AZStatus[ni.MasterAZ] == "normal" {
			return nil
		}
		return &FieldError{Field: FieldTarget,
			Problem:  fmt.Sprintf("flavor %s is not on sale in zone %s (%s)", ni.FlavorRef, orUnknown(ni.MasterAZ), orUnknown(f.AZStatus[ni.MasterAZ])),
			Accepted: "a restore onto an existing instance, or later, when the flavor is on sale again"}
	}
	return &FieldError{Field: FieldTarget,
		Problem:  fmt.Sprintf("flavor %s is no longer sold in %s for %s %s", ni.FlavorRef, orUnknown(ni.Region), ni.DatastoreType, ni.DatastoreVersion),
		Accepted: "a restore onto an existing instance"}
}

// FormatKeep writes a lifetime the way keep= takes it: whole days as 3d,
// else hours and minutes (36h, 1h30m, 45m).
func FormatKeep(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case m == 0:
		return strconv.Itoa(h) + "h"
	case h == 0:
		return strconv.Itoa(m) + "m"
	}
	return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
}
