package slackview

import (
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/outbox"
)

// ApprovalNotPostedError is a request withdrawn because its approval
// message could not be posted: refused for good, or still failing after
// the outbox's retries.
type ApprovalNotPostedError struct {
	RequestID, Channel string
	Err                error // from the outbox
}

func (e *ApprovalNotPostedError) Error() string {
	return fmt.Sprintf("post approval message of %s in %s: %v", e.RequestID, e.Channel, e.Err)
}

func (e *ApprovalNotPostedError) Unwrap() error { return e.Err }

// Reason is the withdrawal's reason, kept in the request's history.
func (e *ApprovalNotPostedError) Reason() string {
	if gave, ok := errors.AsType[*outbox.GaveUpError](e.Err); ok {
		return fmt.Sprintf("the approval message could not be posted in %s after retrying for %s", e.Channel, gave.Tried.Round(time.Second))
	}
	return "the approval message could not be posted in " + e.Channel
}

func (e *ApprovalNotPostedError) words() string {
	why := "Slack refused it"
	if se, ok := errors.AsType[slack.SlackErrorResponse](e.Err); ok {
		why = fmt.Sprintf("Slack refused it (`%s`; is the bot a member of the channel?)", esc(se.Err))
	} else if gave, ok := errors.AsType[*outbox.GaveUpError](e.Err); ok {
		why = "Slack was still failing after retrying for " + gave.Tried.Round(time.Second).String()
	} else if errors.Is(e.Err, outbox.ErrStopped) || errors.Is(e.Err, outbox.ErrClosed) {
		why = "the bot was stopping"
	}
	return fmt.Sprintf(":warning: Request `%s` was withdrawn: its approval message could not be posted in <#%s> (%s). Nothing was restored; request it again later.",
		e.RequestID, e.Channel, why)
}
