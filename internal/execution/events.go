package execution

import (
	"context"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Reporter tells people what happened to a request. Execution hands it
// plain data (the request as stored after the step, and one Event); every
// word, emoji and mention people read is chosen by the Reporter (for Slack,
// slackview's render_events.go). Implementations log and swallow their own
// failures: a lost message never changes what happens to the restore.
type Reporter interface {
	Report(ctx context.Context, r approvals.Request, ev Event)
}

// ReporterFunc is a function that is a Reporter.
type ReporterFunc func(ctx context.Context, r approvals.Request, ev Event)

// Report calls f.
func (f ReporterFunc) Report(ctx context.Context, r approvals.Request, ev Event) { f(ctx, r, ev) }

// Event is one thing that happened in a restore's life after the threshold
// click. The set is closed: only the types in this file are Events (the
// marker method is unexported), so a Reporter can render every one of them.
//
// To add an event: declare a struct here carrying data, never sentences
// (IDs, durations, instants, the plain-text detail the store recorded);
// give it the `event()` marker; report it where it happens
// (`e.say.Report(ctx, rec, YourEvent{...})`); render it in slackview's
// render_events.go and add a sample to its golden test, which fails for an
// Event type that has no sample.
type Event interface{ event() }

// Approved: the threshold was reached and execution begins (re-check, then
// the safety backup or the call). The request lists its approvers.
type Approved struct{}

// SafetyBackupSkipped: a dry run takes no safety backup; Name is the backup
// it would have taken.
type SafetyBackupSkipped struct{ Name string }

// SafetyBackupStarted: the safety backup of the target was started.
type SafetyBackupStarted struct{ BackupID, JobID string }

// SafetyBackupTaken: the safety backup completed; Undo is the request that
// puts the target back as it was.
type SafetyBackupTaken struct{ BackupID, Undo string }

// Submitted: GaussDB accepted the restore call as job JobID.
type Submitted struct{ JobID string }

// DryRun: a dry run ended without any call; Call is the call it would have
// made (method, path and body).
type DryRun struct{ Call string }

// NotCalled: the request ended failed before any restore call was made.
// Why is the plain-text reason the store recorded.
type NotCalled struct{ Why string }

// Refused: GaussDB answered the restore call with an error; nothing was
// restored. Detail is what the store recorded.
type Refused struct {
	Status        int
	Code, Message string
	Detail        string
}

// NotSent: the restore call provably never left the process.
type NotSent struct{ Detail string }

// OutcomeUnknown: the restore call gave no clear answer and was not retried.
type OutcomeUnknown struct{ Detail string }

// NotDurable: the approval that reached the threshold could not be
// confirmed by the Redis replicas; nothing was called.
type NotDurable struct{}

// Stopped: the check just before a call found a reason to stop (a freeze,
// a request no longer this replica's); nothing was restored.
type Stopped struct{ Why string }

// Progress is a restore job's state after one poll; Ended is the last one.
type Progress struct {
	JobID   string
	Status  string        // the job's status, e.g. "Running"
	Process string        // the job's `process`, e.g. "60%"; "" when not reported
	Elapsed time.Duration // since the restore was submitted
	Ended   bool          // the job ended: the last report for this request
	OK      bool          // with Ended: the job completed (else it failed)
}

// JobOverdue: the job has run longer than RESTORE_JOB_TIMEOUT (said once).
type JobOverdue struct {
	JobID          string
	Running, Limit time.Duration
}

// Completed: the job ended well. Took is the time since submission (Timed
// false when the submission time is unknown); At is when it was seen ended
// (a table restore's swap SQL names the live tables after it).
type Completed struct {
	JobID string
	Took  time.Duration
	Timed bool
	At    time.Time
}

// JobFailed: the job ended badly; the request's Detail has the reason.
type JobFailed struct{ JobID, Status, Reason string }

// LateAnswer: the restore call's answer came after the request had been
// reported outcome unknown: job JobID is now followed, or (JobID empty) the
// call was refused, Refused saying how. Reconciled, when not empty, is what
// reconciliation had concluded from the job list before the answer came
// (the detail it recorded: no job found, or jobs to check): the answer
// contradicts what the thread said.
type LateAnswer struct{ JobID, Refused, Reconciled string }

// Contradiction: the restore call's late answer (job JobID, or a refusal
// when JobID is empty) differs from how the request was settled: job
// Attached from the job list, or (Attached empty) ended in State.
type Contradiction struct {
	JobID, Attached string
	State           approvals.State
}

// Reconciled: GaussDB's job list showed the job of an unknown outcome.
type Reconciled struct {
	JobID, Status string
	Created       time.Time
}

// ReconcileGaveUp: no job appeared in the job list within Within of the
// call at Called (the restore call's own timeout and RESTORE_RECONCILE_AFTER,
// whichever is longer); a new request is safe. Passed are restore-like jobs
// on the call's instances that are not its, and why.
type ReconcileGaveUp struct {
	Within time.Duration
	Called time.Time
	Passed []JobSeen
}

// ReconcileUnclear: more than one job in the job list could be the call's
// (sent at Called), or one that cannot be told apart from it; none was
// attached and the bot stops looking: people must check the console.
type ReconcileUnclear struct {
	Called time.Time
	Jobs   []JobSeen
}

// JobClaimedElsewhere: the restore call's own answer names job JobID, which
// reconciliation had attached to request Owner.
type JobClaimedElsewhere struct{ JobID, Owner string }

// JobSeen is one job of GaussDB's job list that reconciliation judged.
type JobSeen struct {
	ID, Name, Status, InstanceID string
	Created                      time.Time // zero when the list gives none
	Why                          JobWhy
	Owner                        string // with JobOtherRequest: the request it belongs to
}

// JobWhy is why reconciliation judged a job as it did.
type JobWhy string

// The judgements of a job (JobSeen.Why).
const (
	JobCandidate     JobWhy = "candidate"      // on the target, of the call's kind, created after the call
	JobOtherInstance JobWhy = "other_instance" // maybe: listed under the call's other instance
	JobUnknownName   JobWhy = "unknown_name"   // maybe: its name does not say what it does
	JobNearCall      JobWhy = "near_call"      // maybe: created within the clocks' tolerance before the call
	JobNoTime        JobWhy = "no_time"        // maybe: the list gives no creation time
	JobOtherRequest  JobWhy = "other_request"  // not: the job index gives it to Owner
	JobBeforeCall    JobWhy = "before_call"    // not: created before the call
	JobOtherKind     JobWhy = "other_kind"     // not: a table restore for an instance restore, or the reverse
)

// Interrupted: a replica died while executing the request. MayHaveCalled:
// the called marker was written, so the outcome is unknown; else the call
// was never made.
type Interrupted struct{ MayHaveCalled bool }

func (Approved) event()            {}
func (SafetyBackupSkipped) event() {}
func (SafetyBackupStarted) event() {}
func (SafetyBackupTaken) event()   {}
func (Submitted) event()           {}
func (DryRun) event()              {}
func (NotCalled) event()           {}
func (Refused) event()             {}
func (NotSent) event()             {}
func (OutcomeUnknown) event()      {}
func (NotDurable) event()          {}
func (Stopped) event()             {}
func (Progress) event()            {}
func (JobOverdue) event()          {}
func (Completed) event()           {}
func (JobFailed) event()           {}
func (LateAnswer) event()          {}
func (Contradiction) event()       {}
func (Reconciled) event()          {}
func (ReconcileGaveUp) event()     {}
func (Interrupted) event()         {}
func (ReconcileUnclear) event()    {}
func (JobClaimedElsewhere) event() {}
