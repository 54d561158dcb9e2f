package restore

import (
	"context"
	"time"
)

// OfflineValidator checks what can be checked without the cloud: the form
// of instance and backup IDs and that a time is not in the future. It exists
// for dry runs without credentials, where nothing may contact the cloud; it
// cannot resolve names, so it asks for IDs.
type OfflineValidator struct {
	Now func() time.Time
}

// Validate checks the spec's form and builds a plan from it.
func (o OfflineValidator) Validate(_ context.Context, s Spec) (Plan, error) {
	if len(s.Tables) > 0 {
		return Plan{}, &FieldError{Field: FieldTables, Problem: "which tables existed at the time cannot be checked in a dry run without cloud credentials",
			Accepted: "a backup= or time= restore of a whole instance"}
	}
	target := s.Target
	if target == "" {
		target = s.Source
	}
	for _, f := range []struct{ field, ref string }{{FieldSource, s.Source}, {FieldTarget, target}} {
		if !IsInstanceID(f.ref) {
			return Plan{}, &FieldError{Field: f.field, Problem: "names cannot be resolved in a dry run without cloud credentials",
				Accepted: "an instance ID (32 lower-case hex characters followed by in07)"}
		}
	}
	p := Plan{Source: Instance{ID: s.Source}, Target: Instance{ID: target}}
	if s.Time.IsZero() {
		if !backupIDPattern.MatchString(s.BackupID) {
			return Plan{}, &FieldError{Field: FieldBackup, Problem: "not a backup ID", Accepted: acceptBackupID}
		}
		p.Type = TypeBackup
		p.Backup = &Backup{ID: s.BackupID, InstanceID: s.Source}
		return p, nil
	}
	if s.Time.After(o.Now()) {
		return Plan{}, &FieldError{Field: FieldTime, Problem: "the time " + formatUTC(s.Time) + " is in the future",
			Accepted: "a time before now, " + formatUTC(o.Now())}
	}
	p.Type = TypeTimestamp
	p.RestoreTime = s.Time.UTC().Truncate(time.Millisecond)
	return p, nil
}

// Recheck has nothing to re-check offline.
func (o OfflineValidator) Recheck(context.Context, Plan) error { return nil }
