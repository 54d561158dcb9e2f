// Package restore owns the GaussDB(for MySQL) side of a restore: reading
// instances, backups and restorable windows through the official Huawei Cloud
// SDK, checking a request against them, and making the one restore call.
package restore

import "time"

// Instance is what the bot needs to know about a GaussDB(for MySQL) instance.
type Instance struct {
	ID               string
	Name             string
	Status           string // v3 status: ACTIVE, BACKING UP, RESTORING, ...
	DatastoreType    string // e.g. gaussdb-mysql
	DatastoreVersion string // e.g. 8.0
	Tags             map[string]string
}

// Backup is one backup of an instance.
type Backup struct {
	ID            string
	Name          string
	InstanceID    string
	Status        string // BUILDING, COMPLETED, FAILED, AVAILABLE
	Type          string // auto | manual
	Begin, End    time.Time
	SizeMB        float64
	TakeUpMinutes int
}

// Window is one interval in which a point-in-time restore is possible.
type Window struct {
	Start, End time.Time
}

// Contains reports whether t lies inside the window, ends included.
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && !t.After(w.End) }

// Job is the state of an asynchronous GaussDB job.
type Job struct {
	ID         string
	Name       string
	Status     string // Pending, Running, Completed, Failed (and others the docs add)
	Progress   string // e.g. "60%", only while running
	FailReason string
	InstanceID string // the instance the job works on (set by RecentJobs)
	Created    time.Time
	Ended      time.Time
}

// Call is the exact body of one restore call.
type Call struct {
	SourceID      string `json:"source_instance_id"`
	TargetID      string `json:"target_instance_id"`
	Type          string `json:"type"` // backup | timestamp
	BackupID      string `json:"backup_id,omitempty"`
	RestoreTimeMs int64  `json:"restore_time,omitempty"`
}
