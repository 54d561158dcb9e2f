// Package approvals owns a restore request's life: its states, who may move
// it between them, and the Redis store that makes every transition atomic.
//
// The domain types (Request, its states and the rules on them, in
// request.go) know nothing of Slack, Redis or the cloud SDK. Only the Store
// touches Redis: its methods are spread over one file per concern
// (transitions, queries, leases, rates, the policy record, durable writes,
// …), and every state change is one of the Lua scripts in lua/.
package approvals

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// State is where a request is in its life.
type State string

// The states of a request. Pending is the only state that can be approved,
// denied, cancelled or expired; executing means the approval threshold was
// reached and the restore call is being made (by exactly one replica);
// queued means the threshold was reached while another request was
// restoring onto the same instance (Request.WaitingFor): it waits, is never
// called while the instance is held, and is called when it is free (its
// requester may cancel it; it expires at its expiry); submitted means the
// cloud accepted it and gave a job ID. The rest are final.
const (
	StatePending   State = "pending"
	StateQueued    State = "queued"
	StateExecuting State = "executing"
	StateSubmitted State = "submitted"
	StateCompleted State = "completed"
	StateFailed    State = "failed"
	StateUnknown   State = "outcome_unknown"
	StateDenied    State = "denied"
	StateCancelled State = "cancelled"
	StateExpired   State = "expired"
	StateDryRun    State = "dry_run"
)

// Terminal reports whether the state is final: a terminal request never
// changes again.
func (s State) Terminal() bool {
	switch s {
	case StatePending, StateQueued, StateExecuting, StateSubmitted:
		return false
	}
	return true
}

// RestoreType says what the restore starts from.
type RestoreType string

// The restore types: the first two spelled as the GaussDB API spells them;
// TypeTables is a table-level point-in-time restore into the source itself
// under new names.
const (
	TypeBackup    RestoreType = "backup"
	TypeTimestamp RestoreType = "timestamp"
	TypeTables    RestoreType = "tables"
)

// TableRename is one table of a table restore: restored from OldName as of
// the restore time into NewName in the same database.
type TableRename struct {
	Database string `json:"database"`
	OldName  string `json:"old_name"`
	NewName  string `json:"new_name"`
	// Live says the old table still existed when the request was checked;
	// it only words the swap SQL and is not part of the hash.
	Live bool `json:"live,omitempty"`
}

// Params are the exact parameters of the restore call, plus the names shown
// to people. Only the API fields enter the hash that an approval is bound to.
type Params struct {
	SourceID      string      `json:"source_id"`
	SourceName    string      `json:"source_name"`
	TargetID      string      `json:"target_id"`
	TargetName    string      `json:"target_name"`
	Type          RestoreType `json:"type"`
	BackupID      string      `json:"backup_id,omitempty"`
	RestoreTimeMs int64       `json:"restore_time_ms,omitempty"` // UNIX ms, UTC
	// Tables are the exact renames of a table restore, in call order.
	Tables []TableRename `json:"tables,omitempty"`
	// New is the instance a restore to a new instance creates
	// (TypeNewInstance); TargetID is then empty.
	New *NewInstance `json:"new,omitempty"`
}

// Overwrite reports whether the restore writes over the source instance
// itself (restore to the original instance). A table restore never does:
// it only adds tables under new names.
func (p Params) Overwrite() bool {
	return p.SourceID == p.TargetID && p.Type != TypeTables && p.Type != TypeNewInstance
}

// Hash is a short, stable digest of the fields sent to the restore API. An
// approval carries the hash the approver saw; the store refuses it if the
// request's parameters hash differently.
func (p Params) Hash() string {
	fields := []string{
		"v1", p.SourceID, p.TargetID, string(p.Type), p.BackupID,
		strconv.FormatInt(p.RestoreTimeMs, 10),
	}
	// Whole-instance restores hash as they always did; a table restore adds
	// every rename, in order, with a separator no identifier contains.
	for _, t := range p.Tables {
		fields = append(fields, t.Database+"\x1f"+t.OldName+"\x1f"+t.NewName)
	}
	if p.New != nil { // a new instance: everything it creates
		fields = append(fields, joinHash(p.New.hashFields()))
	}
	canon := strings.Join(fields, "\n")
	sum := sha256.Sum256([]byte(canon))
	return hex.EncodeToString(sum[:])[:16]
}

// HoldTarget is the instance a restore of these parameters writes to, and
// so holds while it runs (one restore at a time per instance): the target,
// which for a table restore is the source itself; none for a restore to a
// new instance.
func (p Params) HoldTarget() string {
	switch {
	case p.Type == TypeNewInstance: // creates an instance: nothing existing is written
		return ""
	case p.TargetID != "":
		return p.TargetID
	}
	return p.SourceID
}

// NewTableNames are the instance/db.table names a table restore creates,
// reserved for the request from its creation until it ends.
func (p Params) NewTableNames() []string {
	out := make([]string, 0, len(p.Tables))
	for _, t := range p.Tables {
		out = append(out, p.HoldTarget()+"/"+t.Database+"."+t.NewName)
	}
	return out
}

// RestoreTime is the point in time for a timestamp restore, in UTC.
func (p Params) RestoreTime() time.Time { return time.UnixMilli(p.RestoreTimeMs).UTC() }

// Rule is the approval policy in force for a request, captured when the
// request is created so that later policy edits do not change a request
// under people's feet.
type Rule struct {
	Name              string   `json:"name"`
	Approvers         []string `json:"approvers"` // Slack user (U…/W…) and user-group (S…) IDs
	RequiredApprovals int      `json:"required_approvals"`
	SafetyBackup      bool     `json:"safety_backup,omitempty"`
	IncidentChannel   string   `json:"incident_channel,omitempty"`
	// Why says why this rule applied, e.g. `name orders-prod-1 matches "orders-*"`.
	Why string `json:"why,omitempty"`
	// BreakGlassFrom is the rule's own threshold when a break-glass request
	// lowered RequiredApprovals to one; zero otherwise.
	BreakGlassFrom int `json:"break_glass_from,omitempty"`
	// SafetyBackupMinutes is roughly how long the target's last backup took,
	// shown so approvers know what the safety backup will cost.
	SafetyBackupMinutes int `json:"safety_backup_minutes,omitempty"`
}

// Required is the number of distinct approvers needed, never less than one.
func (r Rule) Required() int {
	if r.RequiredApprovals < 1 {
		return 1
	}
	return r.RequiredApprovals
}

// Approval is one distinct approver's click.
type Approval struct {
	User string    `json:"user"`
	At   time.Time `json:"at"`
}

// Request is a restore request as stored.
type Request struct {
	ID          string     `json:"id"`
	State       State      `json:"state"`
	Params      Params     `json:"params"`
	ParamHash   string     `json:"param_hash"`
	Reason      string     `json:"reason"`
	Ticket      string     `json:"ticket,omitempty"`
	Requester   string     `json:"requester"`
	RequesterTZ string     `json:"requester_tz,omitempty"`
	Rule        Rule       `json:"rule"`
	BreakGlass  string     `json:"break_glass,omitempty"`
	Channel     string     `json:"channel"`              // where the approval message lives
	MessageTS   string     `json:"message_ts,omitempty"` // the approval message
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	Approvals   []Approval `json:"approvals,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"` // who denied or cancelled
	DecidedAt   time.Time  `json:"decided_at,omitempty"`
	JobID       string     `json:"job_id,omitempty"`
	SubmittedAt time.Time  `json:"submitted_at,omitempty"` // when the cloud accepted the restore
	CalledAt    time.Time  `json:"called_at,omitempty"`    // when the restore call went out (the called marker)
	Detail      string     `json:"detail,omitempty"`       // last error or outcome note
	// WaitingFor is, for a queued request, the request restoring onto the
	// same instance that it waits for (the last one it waited for, after).
	WaitingFor string `json:"waiting_for,omitempty"`
	// Estimate is how long the restore job should take, and from what; it is
	// shown to people only, never part of the hash.
	Estimate *Estimate `json:"estimate,omitempty"`
	// ReviewedBy, ReviewedAt and ReviewNote say who reviewed a break-glass
	// request after it ended, when, and what they noted.
	ReviewedBy string    `json:"reviewed_by,omitempty"`
	ReviewedAt time.Time `json:"reviewed_at,omitempty"`
	ReviewNote string    `json:"review_note,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`

	// Origin is the permalink of the Slack message the request was made
	// from (the "Restore a database…" shortcut); Notify are further
	// channels told of the request's outcome, e.g. that message's channel.
	Origin string   `json:"origin,omitempty"`
	Notify []string `json:"notify,omitempty"`

	// Progress is the running job's last reported `process` (e.g. "60%"),
	// ProgressAt when it was read, and ProgressTS the thread message that
	// shows it, updated in place.
	Progress   string    `json:"progress,omitempty"`
	ProgressAt time.Time `json:"progress_at,omitempty"`
	ProgressTS string    `json:"progress_ts,omitempty"`
}

// Estimate is a guess of a restore job's duration, and what it was made
// from.
type Estimate struct {
	Duration time.Duration `json:"duration_ns"`
	// Basis says in words what it comes from, e.g. "the median of 3 earlier
	// restores of this instance".
	Basis string `json:"basis"`
}

// Event is one entry of a request's audit trail.
type Event struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"` // Slack user ID, or "bot"
	Action    string    `json:"action"`
	State     State     `json:"state"`
	ParamHash string    `json:"param_hash"`
	Detail    string    `json:"detail,omitempty"`
}

// Reason names why the store refused a transition. The Slack layer turns a
// Reason into words; nothing here knows how it will be phrased.
type Reason string

// Refusal reasons.
const (
	ReasonNotFound        Reason = "not_found"
	ReasonNotPending      Reason = "not_pending"      // already decided; Refusal.State says how
	ReasonExpired         Reason = "expired"          // pending but past its expiry (now marked expired)
	ReasonSelfApproval    Reason = "self_approval"    // the requester tried to approve or deny
	ReasonAlreadyApproved Reason = "already_approved" // this approver already counted
	ReasonStale           Reason = "stale"            // the approver saw other parameters than stored
	ReasonNotRequester    Reason = "not_requester"    // cancel by someone else
	ReasonNotApprover     Reason = "not_approver"     // checked by the caller before the store
	ReasonFrozen          Reason = "frozen"
	ReasonTooManyOpen     Reason = "too_many_open"   // the requester has the most open requests allowed
	ReasonPolicyChanged   Reason = "policy_changed"  // the caller's policy is not the one in force; Detail: its hash
	ReasonRuleFrozen      Reason = "rule_frozen"     // the rule in force is frozen; Detail: the reason
	ReasonRecheck         Reason = "recheck"         // an approver was counted meanwhile: re-check and retry
	ReasonSelfReview      Reason = "self_review"     // the requester tried to review their own break-glass request
	ReasonNotEnded        Reason = "not_ended"       // a break-glass request is reviewed only once it has ended
	ReasonNotBreakGlass   Reason = "not_break_glass" // review of a request made without break-glass
	ReasonReviewed        Reason = "already_reviewed"
	// ReasonNameTaken: a new table name of the request is reserved by
	// another open request (Refusal.HeldBy); Detail is the name.
	ReasonNameTaken Reason = "name_taken"
)

// Refusal is the error the store returns when a transition is not allowed.
// It carries the request as it stands so the caller can explain.
type Refusal struct {
	Reason  Reason
	State   State   // the request's state when refused
	Request Request // zero when not found
	Detail  string  // more about the reason, where it says so
	// With ReasonTooManyOpen: the limit, and the requester's open requests.
	Limit int
	Open  []string
	// With ReasonNameTaken: the request that holds the name.
	HeldBy string
}

func (e *Refusal) Error() string {
	return fmt.Sprintf("transition refused: %s (state %s)", e.Reason, e.State)
}
