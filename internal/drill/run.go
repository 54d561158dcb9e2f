package drill

import (
	"fmt"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Run is one drill run: the period it belongs to, each instance restored
// and checked, and the outcome. It is kept in Redis as JSON while it runs
// (so another replica can resume it) and among the drill's last runs after.
type Run struct {
	ID      string    `json:"id"`    // unique, e.g. orders-weekly-20261207T0300Z
	Drill   string    `json:"drill"` // the drill's name
	Slot    time.Time `json:"slot"`  // the period's start; zero for a run asked for now
	Manual  string    `json:"manual,omitempty"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// Stage is where the run is: "running" until it ends, then "passed" or
	// "failed".
	Stage   string      `json:"stage"`
	Reason  string      `json:"reason,omitempty"` // why it failed, when it did
	Targets []TargetRun `json:"targets"`
	Owner   string      `json:"owner,omitempty"` // the replica running it
}

// Run stages.
const (
	StageRunning = "running"
	StagePassed  = "passed"
	StageFailed  = "failed"
)

// TargetRun is one covered instance restored within a run.
type TargetRun struct {
	SourceID   string            `json:"source_id"`
	SourceName string            `json:"source_name"`
	SourceTags map[string]string `json:"source_tags,omitempty"`
	// RequestID tags and registers the new instance (see RequestID).
	RequestID string `json:"request_id,omitempty"`
	// What was restored: a backup (BackupID, taken at Instant) or the
	// point in time Instant; Age is how old it was when the call was made.
	BackupID string        `json:"backup_id,omitempty"`
	Instant  time.Time     `json:"instant,omitzero"`
	Age      time.Duration `json:"age_ns,omitempty"`
	// The new instance: its name (fixed before the call, so a crash after
	// it can find the instance), ID once known, and whether it is gone.
	NewName    string `json:"new_name"`
	NewID      string `json:"new_id,omitempty"`
	JobID      string `json:"job_id,omitempty"`
	Called     bool   `json:"called,omitempty"` // the create call was sent (or may have been)
	Deleted    bool   `json:"deleted,omitempty"`
	DeleteNote string `json:"delete_note,omitempty"`
	// Times: the create call, the instance ACTIVE, the checks done.
	CalledAt     time.Time `json:"called_at,omitzero"`
	ActiveAt     time.Time `json:"active_at,omitzero"`
	ChecksDoneAt time.Time `json:"checks_done_at,omitzero"`
	Checks       []Result  `json:"checks,omitempty"`
	Pass         bool      `json:"pass"`
	Reason       string    `json:"reason,omitempty"`
}

// Recovery is the time from the create call to the instance ACTIVE; zero
// when it never got there.
func (t TargetRun) Recovery() time.Duration {
	if t.CalledAt.IsZero() || t.ActiveAt.IsZero() {
		return 0
	}
	return t.ActiveAt.Sub(t.CalledAt)
}

// Ready is the time from the create call to the checks done; zero when
// they never ran.
func (t TargetRun) Ready() time.Duration {
	if t.CalledAt.IsZero() || t.ChecksDoneAt.IsZero() {
		return 0
	}
	return t.ChecksDoneAt.Sub(t.CalledAt)
}

// Passed reports whether the run ended passed.
func (r Run) Passed() bool { return r.Stage == StagePassed }

// Recovery is the run's longest recovery time over its targets.
func (r Run) Recovery() time.Duration {
	var d time.Duration
	for _, t := range r.Targets {
		d = max(d, t.Recovery())
	}
	return d
}

// RunID names a run after its drill and period (or its start, for a run
// asked for now).
func RunID(drill string, slot, started time.Time) string {
	if slot.IsZero() {
		return fmt.Sprintf("%s-now-%s", drill, started.UTC().Format("20060102T150405Z"))
	}
	return fmt.Sprintf("%s-%s", drill, slot.UTC().Format("20060102T1504Z"))
}

// RequestID is what a run's instance of one source is tagged with and
// registered under: unique per run and source, valid as a GaussDB tag
// value (at most 43 letters, digits, '.', '-', '_').
func RequestID(runID, sourceID string) string {
	return RunTag(runID + "." + sourceID[:min(8, len(sourceID))])
}

// Stats sum up a drill's last runs.
type Stats struct {
	Last       *Run          // the newest ended run; nil when none
	LastPass   time.Time     // when the newest passed run ended
	Median     time.Duration // of the last 10 recovery times
	Trend      string        // "rising 20%", "falling 15%", "steady", or "" with fewer than 4
	Recoveries int           // how many recovery times the median covers
	// LastRecovery is the newest recovery time (zero when none yet).
	LastRecovery time.Duration
	TrendChange  float64 // newer half's median over the older half's, minus 1
}

// statsWindow is how many recovery times the median and trend cover.
const statsWindow = 10

// Summarize computes Stats from runs, newest first.
func Summarize(runs []Run) Stats {
	var s Stats
	var rec []time.Duration // newest first
	for i := range runs {
		r := runs[i]
		if s.Last == nil {
			s.Last = &runs[i]
		}
		if r.Passed() && s.LastPass.IsZero() {
			s.LastPass = r.Ended
		}
		for _, t := range r.Targets {
			if d := t.Recovery(); d > 0 && len(rec) < statsWindow {
				rec = append(rec, d)
			}
		}
	}
	s.Recoveries = len(rec)
	if len(rec) > 0 {
		s.LastRecovery = rec[0]
	}
	s.Median = approvals.Median(rec)
	if len(rec) >= 4 {
		half := len(rec) / 2
		newer, older := approvals.Median(rec[:half]), approvals.Median(rec[len(rec)-half:])
		s.TrendChange = float64(newer)/float64(older) - 1
		switch pct := int(s.TrendChange*100 + 0.5*sign(s.TrendChange)); {
		case pct >= 10:
			s.Trend = fmt.Sprintf("rising %d%%", pct)
		case pct <= -10:
			s.Trend = fmt.Sprintf("falling %d%%", -pct)
		default:
			s.Trend = "steady"
		}
	}
	return s
}

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
