package intake

import (
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// Refusals are typed errors carrying data, never sentences: the adapter
// words each kind in one place. Besides these, callers see
// *approvals.Refusal (the store refused a transition) and
// *restore.FieldError (the cloud does not accept a field).

// ErrStoreUnavailable marks a failure to reach the request store, so the
// person is told that nothing was stored rather than "internal error".
var ErrStoreUnavailable = errors.New("request store unavailable")

// StoreErr marks errors from reaching Redis; refusals pass through.
func StoreErr(err error) error {
	var refusal *approvals.Refusal
	if err == nil || errors.As(err, &refusal) || errors.Is(err, redis.Nil) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
}

// Step is what a check that could not be made held back.
type Step int

// The steps an unchecked error can hold back.
const (
	StepClick Step = iota + 1 // an Approve or Deny click was not counted
	StepLook                  // nothing was shown
	StepAdmin                 // nothing was shown or changed
)

// Source is the data a check needed and could not read.
type Source int

// The data checks read.
const (
	SourceTargetTags     Source = iota + 1 // the target instance's tags, from the cloud
	SourceApproverGroups                   // the approvers' user groups
	SourceLookerGroups                     // the user groups of who may use the bot
	SourceAdminGroups                      // the admins' user groups
)

// UncheckedError says a check could not be made, so nothing was done.
type UncheckedError struct {
	Step   Step
	Source Source
	Err    error
}

func (e *UncheckedError) Error() string {
	return fmt.Sprintf("could not read source %d: %v", e.Source, e.Err)
}
func (e *UncheckedError) Unwrap() error { return e.Err }

// BusyError says approvals of a request kept arriving while one click was
// re-checked: nothing changed.
type BusyError struct{ ID string }

func (e *BusyError) Error() string {
	return "approvals of " + e.ID + " kept changing during the re-check"
}

// Action is what a person was not allowed to do.
type Action int

// The actions a NotAllowedError can refuse.
const (
	ActionRequest     Action = iota + 1 // request a restore
	ActionBreakGlass                    // use break_glass=
	ActionFreeze                        // freeze or unfreeze
	ActionListReviews                   // list break-glass reviews
	ActionReview                        // review a break-glass restore
	ActionRunDrill                      // run a restore drill now
)

// NotAllowedError says the person may not do Action; Who may.
type NotAllowedError struct {
	Action Action
	Who    []string // user and group IDs
}

func (e *NotAllowedError) Error() string { return "not allowed to " + actionNames[e.Action] }

var actionNames = map[Action]string{
	ActionRequest: "request", ActionBreakGlass: "use break-glass", ActionFreeze: "freeze",
	ActionListReviews: "list reviews", ActionReview: "review",
}

// UnreachableError refuses a request no set of approvers could approve:
// the rule lists only users, and fewer than it needs besides the requester.
type UnreachableError struct {
	Rule         string
	Needs, Lists int
	Who          []string
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("rule %q needs %d approvers besides the requester and lists %d", e.Rule, e.Needs, e.Lists)
}

// FrozenError says restores are frozen: every restore (Rule empty, by an
// admin) or one policy rule.
type FrozenError struct {
	Rule   string
	Reason string
	By     string
}

func (e *FrozenError) Error() string { return "frozen: " + e.Reason }

// LookError refuses someone who may not see instances, requests or rules.
type LookError struct{ Who []string }

func (e *LookError) Error() string { return "not allowed to look" }

// PolicyError says this replica acts on nothing: its rules and settings are
// not the ones in force (Err wraps *approvals.PolicyMismatchError), or it
// cannot tell.
type PolicyError struct{ Err error }

func (e *PolicyError) Error() string { return "policy not in force: " + e.Err.Error() }
func (e *PolicyError) Unwrap() error { return e.Err }

// Problem is what is wrong with a request's fields under the policy.
type Problem int

// The problems a FieldProblem names.
const (
	ProblemNoReason  Problem = iota + 1 // the reason is empty
	ProblemOverwrite                    // the rule does not allow restoring onto the original instance
	ProblemTables                       // the rule does not allow table restores
)

// FieldProblem refuses a request for one of its fields.
type FieldProblem struct {
	Field    string // restore.FieldTarget, restore.FieldTables, "reason"
	Problem  Problem
	Rule     string
	Instance string // the instance's name
}

func (e *FieldProblem) Error() string {
	return fmt.Sprintf("%s refused under rule %q (problem %d)", e.Field, e.Rule, e.Problem)
}
