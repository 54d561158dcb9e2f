package restore

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Cloud is what the validator reads from GaussDB. *Client satisfies it.
type Cloud interface {
	Instance(ctx context.Context, id string) (Instance, error)
	FindInstances(ctx context.Context, name string) ([]Instance, error)
	CaseSensitivity(ctx context.Context, instanceID string) (string, error)
	Backup(ctx context.Context, backupID string) (Backup, error)
	RestoreWindows(ctx context.Context, instanceID string) ([]Window, error)
}

var _ Cloud = (*Client)(nil)

// Spec is what a person asked for, before anything was looked up.
type Spec struct {
	Source   string    // instance ID or exact name
	Target   string    // instance ID or exact name; "" means the source itself
	BackupID string    // set for a backup restore
	Time     time.Time // set (non-zero) for a point-in-time restore
	// Tables, when set, asks for a table-level restore of these tables
	// ("db.table" or "db.*" for every table the database had at Time) into
	// the source under new names; Target must then be empty.
	Tables []string
	Suffix string // the word in the new names; "" means "restored"
}

// Plan is a checked restore: the resolved instances and the backup or time,
// ready to become the one restore call.
type Plan struct {
	Source, Target Instance
	Type           string // TypeBackup or TypeTimestamp
	Backup         *Backup
	RestoreTime    time.Time // millisecond precision, UTC
	Window         *Window   // the window RestoreTime lies in
	// Tables are the renames of a table restore (Type TypeTables), sorted
	// by database and old name; Target is then the source itself.
	Tables []TableRename
	// New is the instance a restore to a new instance creates (Type
	// TypeNewInstance); Target is then empty until it exists.
	New *NewInstance
}

// TableCall is the exact body of the table restore call for this plan.
func (p Plan) TableCall() TableCall {
	return TableCall{InstanceID: p.Source.ID, RestoreTimeMs: p.RestoreTime.UnixMilli(), Tables: p.Tables}
}

// Call is the exact body of the restore call for this plan.
func (p Plan) Call() Call {
	c := Call{SourceID: p.Source.ID, TargetID: p.Target.ID, Type: p.Type}
	switch p.Type {
	case TypeBackup:
		if p.Backup != nil {
			c.BackupID = p.Backup.ID
		}
	case TypeTimestamp:
		c.RestoreTimeMs = p.RestoreTime.UnixMilli()
	}
	return c
}

// FieldError is a refusal of the person's input: which field, what is wrong
// with it, and what would be accepted instead.
type FieldError struct {
	Field    string // "source", "target", "backup" or "time"
	Problem  string
	Accepted string
}

// Error implements error.
func (e *FieldError) Error() string {
	if e.Accepted == "" {
		return e.Field + ": " + e.Problem
	}
	return e.Field + ": " + e.Problem + "; accepted: " + e.Accepted
}

// The fields a FieldError can name.
const (
	FieldSource = "source"
	FieldTarget = "target"
	FieldBackup = "backup"
	FieldTime   = "time"
	FieldTables = "tables"
	FieldSuffix = "suffix"
)

var (
	instanceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}in07$`)
	backupIDPattern   = regexp.MustCompile(`^[0-9a-f]{32}br07$`)
)

// Human descriptions of what is accepted, shared by several refusals.
const (
	acceptInstance     = "an instance ID (32 lower-case hex characters followed by in07) or the exact name of a GaussDB(for MySQL) instance"
	acceptBackupID     = "a backup ID (32 lower-case hex characters followed by br07)"
	acceptBackupStatus = "a backup whose status is COMPLETED or AVAILABLE"
	acceptActive       = "an instance whose status is ACTIVE"
)

// IsInstanceID reports whether s has the form of an instance ID.
func IsInstanceID(s string) bool { return instanceIDPattern.MatchString(s) }

// Validator checks a Spec against the cloud's current state.
type Validator struct {
	cloud     Cloud
	tables    TableCloud // nil: table restores are refused (WithTables)
	now       func() time.Time
	maxTables int
}

// NewValidator returns a validator reading from c; now is the clock used to
// refuse times in the future.
func NewValidator(c Cloud, now func() time.Time) *Validator {
	return &Validator{cloud: c, now: now, maxTables: DefaultMaxTables}
}

// WithMaxTables sets how many tables one table restore may name
// (RESTORE_MAX_TABLES); n < 1 keeps the default.
func (v *Validator) WithMaxTables(n int) *Validator {
	if n >= 1 {
		v.maxTables = n
	}
	return v
}

// Validate resolves and checks a spec. A refusal of the input is a
// *FieldError; any other error is a failure to ask the cloud.
func (v *Validator) Validate(ctx context.Context, s Spec) (Plan, error) {
	if len(s.Tables) > 0 {
		return v.validateTables(ctx, s)
	}
	var p Plan
	var err error
	if p.Source, err = v.resolve(ctx, FieldSource, s.Source); err != nil {
		return Plan{}, err
	}
	if strings.TrimSpace(s.Target) == "" {
		p.Target = p.Source
	} else if p.Target, err = v.resolve(ctx, FieldTarget, s.Target); err != nil {
		return Plan{}, err
	}
	if err := v.checkTarget(ctx, p.Source, p.Target); err != nil {
		return Plan{}, err
	}
	switch {
	case s.BackupID != "" && !s.Time.IsZero():
		return Plan{}, &FieldError{Field: FieldTime, Problem: "both a backup and a time were given",
			Accepted: "either a backup ID or a time, not both"}
	case s.BackupID != "":
		b, err := v.checkBackup(ctx, p.Source, s.BackupID)
		if err != nil {
			return Plan{}, err
		}
		p.Type, p.Backup = TypeBackup, &b
	case !s.Time.IsZero():
		t := s.Time.UTC().Truncate(time.Millisecond)
		w, err := v.checkTime(ctx, p.Source, t, true)
		if err != nil {
			return Plan{}, err
		}
		p.Type, p.RestoreTime, p.Window = TypeTimestamp, t, &w
	default:
		return Plan{}, &FieldError{Field: FieldBackup, Problem: "neither a backup nor a time was given",
			Accepted: acceptBackupID + ", or a time inside one of the source's restorable windows"}
	}
	return p, nil
}

// Recheck repeats, just before the restore call, the checks whose answers
// can change while people approve: the target is still ACTIVE and
// compatible, the backup still exists and is usable, the time is still
// inside a restorable window.
func (v *Validator) Recheck(ctx context.Context, p Plan) error {
	if p.Type == TypeTables {
		return v.recheckTables(ctx, p)
	}
	target, err := v.cloud.Instance(ctx, p.Target.ID)
	if IsNotFound(err) {
		return &FieldError{Field: FieldTarget, Problem: fmt.Sprintf("instance %s no longer exists", p.Target.ID), Accepted: acceptActive}
	}
	if err != nil {
		return fmt.Errorf("recheck target: %w", err)
	}
	if err := checkActive(target); err != nil {
		return err
	}
	if target.ID != p.Source.ID {
		// Compare with the source as it is now, not as the plan remembers it:
		// a plan rebuilt from stored parameters carries only IDs and names.
		source, err := v.cloud.Instance(ctx, p.Source.ID)
		if IsNotFound(err) {
			return &FieldError{Field: FieldSource, Problem: fmt.Sprintf("instance %s no longer exists", p.Source.ID), Accepted: acceptInstance}
		}
		if err != nil {
			return fmt.Errorf("recheck source: %w", err)
		}
		if err := checkSameEngine(source, target); err != nil {
			return err
		}
	}
	switch p.Type {
	case TypeBackup:
		if p.Backup == nil {
			return fmt.Errorf("recheck: backup plan without a backup")
		}
		_, err := v.checkBackup(ctx, p.Source, p.Backup.ID)
		return err
	case TypeTimestamp:
		_, err := v.checkTime(ctx, p.Source, p.RestoreTime, false)
		return err
	}
	return fmt.Errorf("recheck: unknown restore type %q", p.Type)
}

// resolve turns an instance reference (ID or exact name) into an instance.
func (v *Validator) resolve(ctx context.Context, field, ref string) (Instance, error) {
	ref = strings.TrimSpace(ref)
	switch {
	case ref == "":
		return Instance{}, &FieldError{Field: field, Problem: "no instance was given", Accepted: acceptInstance}
	case IsInstanceID(ref):
		in, err := v.cloud.Instance(ctx, ref)
		if IsNotFound(err) {
			return Instance{}, &FieldError{Field: field, Problem: fmt.Sprintf("no instance with ID %s", ref), Accepted: acceptInstance}
		}
		if err != nil {
			return Instance{}, fmt.Errorf("look up %s instance: %w", field, err)
		}
		return in, nil
	case strings.HasPrefix(ref, "*"):
		return Instance{}, &FieldError{Field: field, Problem: fmt.Sprintf("%q is a pattern, not a name", ref), Accepted: acceptInstance}
	}
	found, err := v.cloud.FindInstances(ctx, ref)
	if err != nil {
		return Instance{}, fmt.Errorf("look up %s instance: %w", field, err)
	}
	switch len(found) {
	case 0:
		problem := fmt.Sprintf("no instance named %s", ref)
		if len(ref) == 36 && instanceIDPattern.MatchString(strings.ToLower(ref)) {
			problem += " (instance IDs are lower case)"
		}
		return Instance{}, &FieldError{Field: field, Problem: problem, Accepted: acceptInstance}
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, in := range found {
		ids[i] = in.ID
	}
	return Instance{}, &FieldError{Field: field,
		Problem:  fmt.Sprintf("%d instances are named %s; use the ID: %s", len(found), ref, strings.Join(ids, ", ")),
		Accepted: "one of the IDs " + strings.Join(ids, ", ")}
}

// Eligible checks what the instances alone tell about a target: it is
// ACTIVE and, unless it is the source itself, has the source's datastore
// type and version. Table-name case sensitivity needs one more read per
// instance (CaseSensitivity); the validator checks it too.
func Eligible(source, target Instance) error {
	if err := checkActive(target); err != nil {
		return err
	}
	if source.ID == target.ID {
		return nil
	}
	return checkSameEngine(source, target)
}

// checkTarget checks that the target can take a restore of the source.
func (v *Validator) checkTarget(ctx context.Context, source, target Instance) error {
	if err := Eligible(source, target); err != nil {
		return err
	}
	if source.ID == target.ID {
		return nil
	}
	sc, err := v.cloud.CaseSensitivity(ctx, source.ID)
	if err != nil {
		return fmt.Errorf("case sensitivity of source: %w", err)
	}
	tc, err := v.cloud.CaseSensitivity(ctx, target.ID)
	if err != nil {
		return fmt.Errorf("case sensitivity of target: %w", err)
	}
	if sc != tc {
		return &FieldError{Field: FieldTarget,
			Problem: fmt.Sprintf("lower_case_table_names differs: target %s has %s, source %s has %s",
				describe(target), tc, describe(source), sc),
			Accepted: fmt.Sprintf("an instance with lower_case_table_names=%s, like the source", sc)}
	}
	return nil
}

func checkActive(target Instance) error {
	if target.Status == "ACTIVE" {
		return nil
	}
	return &FieldError{Field: FieldTarget,
		Problem:  fmt.Sprintf("target %s is %s", describe(target), orUnknown(target.Status)),
		Accepted: acceptActive}
}

func checkSameEngine(source, target Instance) error {
	if source.DatastoreType != target.DatastoreType {
		return &FieldError{Field: FieldTarget,
			Problem: fmt.Sprintf("datastore type differs: target %s is %s, source %s is %s",
				describe(target), orUnknown(target.DatastoreType), describe(source), orUnknown(source.DatastoreType)),
			Accepted: fmt.Sprintf("an instance of type %s, like the source", source.DatastoreType)}
	}
	if source.DatastoreVersion != target.DatastoreVersion {
		return &FieldError{Field: FieldTarget,
			Problem: fmt.Sprintf("datastore version differs: target %s runs %s, source %s runs %s",
				describe(target), orUnknown(target.DatastoreVersion), describe(source), orUnknown(source.DatastoreVersion)),
			Accepted: fmt.Sprintf("an instance running version %s, like the source", source.DatastoreVersion)}
	}
	return nil
}

// checkBackup checks that the backup exists, belongs to the source and can
// be restored from.
func (v *Validator) checkBackup(ctx context.Context, source Instance, id string) (Backup, error) {
	id = strings.TrimSpace(id)
	if !backupIDPattern.MatchString(id) {
		return Backup{}, &FieldError{Field: FieldBackup, Problem: fmt.Sprintf("%q is not a backup ID", id), Accepted: acceptBackupID}
	}
	b, err := v.cloud.Backup(ctx, id)
	if IsNotFound(err) {
		return Backup{}, &FieldError{Field: FieldBackup, Problem: fmt.Sprintf("no backup with ID %s", id),
			Accepted: "a backup of " + describe(source)}
	}
	if err != nil {
		return Backup{}, fmt.Errorf("look up backup: %w", err)
	}
	if b.InstanceID != source.ID {
		return Backup{}, &FieldError{Field: FieldBackup,
			Problem:  fmt.Sprintf("backup %s belongs to instance %s, not to the source %s", id, b.InstanceID, describe(source)),
			Accepted: "a backup of " + describe(source)}
	}
	if b.Status != "COMPLETED" && b.Status != "AVAILABLE" {
		return Backup{}, &FieldError{Field: FieldBackup,
			Problem: fmt.Sprintf("backup %s is %s", id, orUnknown(b.Status)), Accepted: acceptBackupStatus}
	}
	return b, nil
}

// checkTime checks that t is not in the future (when asked) and lies in
// one of the source's restorable windows, and returns that window.
func (v *Validator) checkTime(ctx context.Context, source Instance, t time.Time, notFuture bool) (Window, error) {
	ws, err := v.cloud.RestoreWindows(ctx, source.ID)
	if err != nil {
		return Window{}, fmt.Errorf("restore windows of source: %w", err)
	}
	if notFuture {
		if now := v.now(); t.After(now) {
			return Window{}, &FieldError{Field: FieldTime,
				Problem:  fmt.Sprintf("%s is in the future (now is %s)", formatUTC(t), formatUTC(now)),
				Accepted: describeWindows(source, ws)}
		}
	}
	for _, w := range ws {
		if w.Contains(t) {
			return w, nil
		}
	}
	return Window{}, &FieldError{Field: FieldTime,
		Problem:  fmt.Sprintf("%s is outside every restorable window of %s", formatUTC(t), describe(source)),
		Accepted: describeWindows(source, ws)}
}

func describeWindows(source Instance, ws []Window) string {
	if len(ws) == 0 {
		return fmt.Sprintf("no time: %s has no restorable window", describe(source))
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("between %s and %s", formatUTC(w.Start), formatUTC(w.End))
	}
	return strings.Join(parts, ", or ")
}

func formatUTC(t time.Time) string {
	if t.Nanosecond() != 0 {
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.UTC().Format(time.RFC3339)
}

func describe(in Instance) string {
	if in.Name == "" {
		return in.ID
	}
	return fmt.Sprintf("%s (%s)", in.Name, in.ID)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
