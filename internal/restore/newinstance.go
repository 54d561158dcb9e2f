package restore

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TypeNewInstance is a restore into an instance created for the request
// (CreateGaussMySqlInstance with a restore_point). Its plan carries the
// instance to create in Plan.New; the restore_point's own type (backup or
// timestamp) is Plan.New.RestoreType.
const TypeNewInstance = "new_instance"

// Job names the job list gives the jobs of a new instance's life (the SDK's
// model comments on ListImmediateJobs and TaskDetailInfo list them).
const (
	JobRestoreNewInstance = "RestoreGaussDBforMySQLNewInstance"
	JobCreateInstance     = "CreateGaussDBforMySQLInstance"
	JobDeleteInstance     = "DeleteGaussDBforMySQLInstance"
)

// The tags the bot puts on every instance it creates. The delete path
// refuses an instance unless TagCreatedBy and TagRequest say it is the one
// the bot created for that request.
const (
	TagCreatedBy    = "db-restore-created-by"
	TagRequest      = "db-restore-request"
	TagExpires      = "db-restore-expires"
	TagSource       = "db-restore-source"
	CreatedByBot    = "db-restore"
	tagExpiryLayout = "20060102T1504Z" // tag values allow letters, digits, . - _ only
)

// Defaults of the new-instance rule fields (policy new_instance:).
const (
	DefaultKeep    = 24 * time.Hour
	DefaultMaxKeep = 7 * 24 * time.Hour
	MinKeep        = time.Hour
)

// NewInstanceRule is what the policy in force for a source says about
// restores of it to a new instance.
type NewInstanceRule struct {
	Allowed bool
	Keep    time.Duration // lifetime when the request names none
	MaxKeep time.Duration // the longest lifetime, extensions included
	Rule    string        // the rule's name, for refusals
}

// NewSpec is a restore to a new instance as a person asked for it.
type NewSpec struct {
	Source   string    // instance ID or exact name
	BackupID string    // set for a backup restore
	Time     time.Time // set for a point-in-time restore
	Name     string    // "" gives DefaultNewName
	Keep     time.Duration
}

// NewInstance is the instance a plan creates: everything copied from the
// source, the name and the lifetime. It holds no password.
type NewInstance struct {
	Name             string        `json:"name"`
	RestoreType      string        `json:"restore_type"` // TypeBackup or TypeTimestamp
	Region           string        `json:"region"`
	DatastoreType    string        `json:"datastore_type"`
	DatastoreVersion string        `json:"datastore_version"`
	Mode             string        `json:"mode"` // Cluster | StandSingle
	FlavorRef        string        `json:"flavor_ref"`
	AZMode           string        `json:"availability_zone_mode"` // single | multi
	MasterAZ         string        `json:"master_availability_zone,omitempty"`
	VpcID            string        `json:"vpc_id"`
	SubnetID         string        `json:"subnet_id"`
	SecurityGroupID  string        `json:"security_group_id,omitempty"`
	TimeZone         string        `json:"time_zone,omitempty"`
	ConfigurationID  string        `json:"configuration_id,omitempty"`
	LowerCaseTables  int32         `json:"lower_case_table_names"`
	SlaveCount       int32         `json:"slave_count"`
	BackupWindow     string        `json:"backup_window"` // hh:mm-HH:MM, UTC
	EnterpriseProjID string        `json:"enterprise_project_id,omitempty"`
	Keep             time.Duration `json:"keep"`
}

// CreateCall is the exact input of one CreateGaussMySqlInstance call, less
// the password (passed on its own so it is never stored with the call).
type CreateCall struct {
	New           NewInstance
	SourceID      string
	BackupID      string
	RestoreTimeMs int64
	RequestID     string
	Expires       time.Time
}

// CreateCall is the call that creates this plan's instance for a request,
// to expire at expires.
func (p Plan) CreateCall(requestID string, expires time.Time) (CreateCall, error) {
	if p.Type != TypeNewInstance || p.New == nil {
		return CreateCall{}, errors.New("not a restore to a new instance")
	}
	c := CreateCall{New: *p.New, SourceID: p.Source.ID, RequestID: requestID, Expires: expires.UTC()}
	switch p.New.RestoreType {
	case TypeBackup:
		if p.Backup == nil {
			return CreateCall{}, errors.New("backup plan without a backup")
		}
		c.BackupID = p.Backup.ID
	case TypeTimestamp:
		c.RestoreTimeMs = p.RestoreTime.UnixMilli()
	}
	return c, c.check()
}

// Tags are the tags the instance is created with.
func (c CreateCall) Tags() map[string]string {
	return map[string]string{
		TagCreatedBy: CreatedByBot,
		TagRequest:   c.RequestID,
		TagExpires:   c.Expires.UTC().Format(tagExpiryLayout),
		TagSource:    c.SourceID,
	}
}

// check refuses a call the API would refuse anyway, before anything is sent.
func (c CreateCall) check() error {
	n := c.New
	switch {
	case c.SourceID == "" || c.RequestID == "":
		return errors.New("source instance and request ID are required")
	case c.Expires.IsZero():
		return errors.New("an expiry is required")
	case CheckInstanceName(n.Name) != nil:
		return CheckInstanceName(n.Name)
	case n.Region == "" || n.FlavorRef == "" || n.VpcID == "" || n.SubnetID == "" || n.Mode == "" || n.AZMode == "":
		return errors.New("region, flavor, VPC, subnet, mode and availability-zone mode are required")
	case n.DatastoreType == "" || n.DatastoreVersion == "":
		return errors.New("datastore type and version are required")
	}
	for k, v := range c.Tags() {
		if err := checkTag(k, v); err != nil {
			return err
		}
	}
	return checkPoint(n.RestoreType, c.BackupID, c.RestoreTimeMs)
}

// checkTag applies GaussDB's tag rules: key 1–36 characters, value up to
// 43, letters, digits, - and _ (and . in values).
func checkTag(k, v string) error {
	ok := func(s string, dot bool) bool {
		for _, r := range s {
			if !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '_' || dot && r == '.') {
				return false
			}
		}
		return true
	}
	if n := utf8.RuneCountInString(k); n == 0 || n > 36 || !ok(k, false) {
		return fmt.Errorf("tag key %q is not valid for GaussDB", k)
	}
	if utf8.RuneCountInString(v) > 43 || !ok(v, true) {
		return fmt.Errorf("tag %s value %q is not valid for GaussDB", k, v)
	}
	return nil
}

// Names of GaussDB(for MySQL) instances: 4 to 64 characters and at most 64
// bytes, starting with a letter (or a Chinese character), then letters,
// digits, - and _.
const (
	minNameLen = 4
	maxNameLen = 64
	// AcceptName describes a valid instance name, for refusals.
	AcceptName = "4 to 64 characters, starting with a letter, then letters, digits, - or _"
)

// CheckInstanceName checks a name for a new instance against GaussDB's rules.
func CheckInstanceName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < minNameLen || n > maxNameLen || len(name) > maxNameLen {
		return fmt.Errorf("the name %q has %d characters; GaussDB wants %s", name, n, AcceptName)
	}
	first, _ := utf8.DecodeRuneInString(name)
	if !unicode.IsLetter(first) {
		return fmt.Errorf("the name %q does not start with a letter", name)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' {
			return fmt.Errorf("the name %q contains %q; GaussDB wants %s", name, r, AcceptName)
		}
	}
	return nil
}

// DefaultNewName is the name of a new instance when none is given:
// <source>-restore-<UTC yyyymmddhhmm of the instant restored>, the source's
// name cut so the whole fits in 64 characters.
func DefaultNewName(source string, at time.Time) string {
	tail := "-restore-" + at.UTC().Format("200601021504")
	rs := []rune(source)
	for len(rs) > 0 && len(string(rs))+len(tail) > maxNameLen {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimRight(string(rs), "-_") + tail
}

// instant is the point in time a plan restores to: the restore time, or
// the end of the backup (its begin when it has no end).
func instant(b *Backup, t time.Time) time.Time {
	if b == nil {
		return t
	}
	if !b.End.IsZero() {
		return b.End
	}
	return b.Begin
}

// Live is a new instance as the cloud shows it, with what the bot put on it.
type Live struct {
	Instance
	PrivateIPs []string
	Port       string
	Created    time.Time
}

// ExpiryTag reads the expiry the instance was created with ("" tag: zero).
func (l Live) ExpiryTag() time.Time {
	t, err := time.Parse(tagExpiryLayout, l.Tags[TagExpires])
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

func sortedTagKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
