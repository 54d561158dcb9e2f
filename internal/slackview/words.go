package slackview

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Explain is the one place that turns an error into the sentence a Slack
// user sees. Anything it does not recognise is logged once with a reference
// the user can quote, and the user sees only that reference.
func Explain(log zerolog.Logger, err error) string {
	if s, ok := intakeWords(err); ok {
		return s
	}
	var (
		usage    *command.UsageError
		field    *restore.FieldError
		refusal  *approvals.Refusal
		rejected *restore.RejectedError
		unknown  *restore.UnknownOutcomeError
		unposted *ApprovalNotPostedError
	)
	switch {
	case errors.As(err, &unposted):
		return unposted.words()
	case errors.As(err, &usage):
		return ":warning: " + usage.Reply()
	case AsField(err, &field):
		s := fmt.Sprintf(":warning: *%s*: %s", field.Field, esc(field.Problem))
		if field.Accepted != "" {
			s += "\nAccepted: " + esc(field.Accepted)
		}
		return s
	case errors.As(err, &refusal):
		return refusalWords(refusal)
	case errors.As(err, &rejected):
		return fmt.Sprintf(":x: GaussDB refused the restore: `%s` %s (HTTP %d, request ID `%s`). Nothing was restored.",
			esc(rejected.Code), esc(rejected.Message), rejected.Status, esc(rejected.RequestID))
	case errors.As(err, &unknown):
		return ":grey_question: The restore call's outcome is unknown: " + esc(unknown.Error()) +
			". It was *not* retried, because a retry could restore twice. Check the target instance's status and its jobs in the GaussDB console before doing anything else."
	case errors.Is(err, intake.ErrStoreUnavailable):
		return ":warning: The request could not be stored: the bot cannot reach its Redis store right now. Nothing was requested or changed; please try again in a minute."
	}
	ref := newRef()
	log.Error().Err(err).Str("error_ref", ref).Msg("unexpected error")
	return fmt.Sprintf(":boom: Internal error, reference `%s`. Nothing was changed; the bot's operators can find the details under that reference.", ref)
}

// refusalWords explains why the store would not make a transition, and what
// would be possible instead.
func refusalWords(r *approvals.Refusal) string {
	id := r.Request.ID
	switch r.Reason {
	case approvals.ReasonNotFound:
		return ":mag: There is no restore request with that ID. `/db-restore list` shows the open ones."
	case approvals.ReasonNotPending:
		return fmt.Sprintf(":information_source: Request `%s` is already %s; nothing changed. `/db-restore status %s` shows its history.",
			id, stateWords(r.State), id)
	case approvals.ReasonExpired:
		return fmt.Sprintf(":alarm_clock: Request `%s` expired at %s before it had enough approvals; nothing changed. The requester can file it again.",
			id, stamp(r.Request.ExpiresAt))
	case approvals.ReasonSelfApproval:
		return fmt.Sprintf(":no_entry: You asked for request `%s`, so you cannot decide on it: it needs another person. To withdraw it, use `/db-restore cancel %s`.", id, id)
	case approvals.ReasonAlreadyApproved:
		return fmt.Sprintf(":information_source: Your approval of `%s` is already counted; it needs %d distinct approvers in all.", id, r.Request.Rule.Required())
	case approvals.ReasonStale:
		return fmt.Sprintf(":warning: Request `%s` no longer matches the message you clicked; nothing changed. Reload the message and check the parameters again.", id)
	case approvals.ReasonNotRequester:
		return fmt.Sprintf(":no_entry: Only the requester, <@%s>, can cancel request `%s`. Approvers can deny it with the Deny button.", r.Request.Requester, id)
	case approvals.ReasonNotApprover:
		return fmt.Sprintf(":no_entry: You are not an approver for request `%s`. Approvers: %s.", id, mentionList(r.Request.Rule.Approvers))
	case approvals.ReasonFrozen:
		return ":snowflake: Restores are frozen right now; nothing changed."
	case approvals.ReasonNameTaken:
		return fmt.Sprintf(":no_entry: Not requested: the new table name `%s` is already reserved by request `%s`, which is still open. Choose another suffix, or wait until `%s` has ended, then ask again.",
			esc(r.Detail), esc(r.HeldBy), esc(r.HeldBy))
	case approvals.ReasonTooManyOpen:
		ids := make([]string, 0, len(r.Open))
		for _, o := range r.Open {
			ids = append(ids, "`"+o+"`")
		}
		return fmt.Sprintf(":no_entry: Not requested: you already have %d open restore requests (%s), and one person may have at most %d at once. Withdraw one with `/db-restore cancel ID`, or wait until one is decided or ends, then ask again.",
			len(r.Open), strings.Join(ids, ", "), r.Limit)
	}
	return fmt.Sprintf(":information_source: Request `%s` could not be changed (%s).", id, r.Reason)
}

func stateWords(s approvals.State) string { return msgtext.StateWords(s) }

func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
