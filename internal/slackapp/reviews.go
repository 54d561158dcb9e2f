package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// Break-glass review: only admins list, show and mark break-glass
// requests; an admin marks one reviewed only once it has ended and never
// their own. The break-glass reason and the review note are in the audit
// stream (approvals.Store.Create and Review write them).

// admin refuses u unless they are in RESTORE_ADMINS; it reports whether
// they are.
func (a *App) admin(ctx context.Context, u user, action intake.Action) bool {
	if err := a.in.IsAdmin(ctx, u.id, action); err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return false
	}
	return true
}

// onReviews lists break-glass requests nobody has reviewed yet.
func (a *App) onReviews(ctx context.Context, u user) {
	if !a.admin(ctx, u, intake.ActionListReviews) {
		return
	}
	reqs, err := a.store.Reviews(ctx)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	if len(reqs) == 0 {
		a.tell(ctx, u, "No break-glass restores are waiting for review.")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Break-glass restores not yet reviewed* (%d)\n", len(reqs))
	for _, r := range reqs {
		fmt.Fprintf(&b, "• `%s` %s · by <@%s> · %s · break-glass: %s\n", r.ID, msgtext.StateWords(r.State), r.Requester, msgtext.What(r), msgtext.Esc(r.BreakGlass))
	}
	b.WriteString("`/db-restore review ID` shows one; once it has ended, another admin than its requester marks it with `/db-restore review ID done \"what you found\"`.")
	a.tell(ctx, u, b.String())
}

// onReview shows one break-glass request, or marks it reviewed.
func (a *App) onReview(ctx context.Context, u user, c command.Review) {
	if !a.admin(ctx, u, intake.ActionReview) {
		return
	}
	if !c.Done {
		r, err := a.store.Get(ctx, c.ID)
		if err != nil {
			a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
			return
		}
		a.tell(ctx, u, reviewWords(r))
		return
	}
	r, err := a.store.Review(ctx, c.ID, u.id, c.Note)
	if err != nil {
		a.tell(ctx, u, reviewRefusal(a, err))
		return
	}
	a.log.Info().Str("request_id", r.ID).Str("user_id", u.id).Msg("break-glass restore reviewed")
	a.tell(ctx, u, fmt.Sprintf(":white_check_mark: Break-glass restore `%s` marked reviewed, with your note in its audit trail.", r.ID))
	a.thread(ctx, r, fmt.Sprintf(":white_check_mark: Break-glass use reviewed by <@%s>: %s", u.id, msgtext.Esc(c.Note)))
}

// reviewWords shows one request as a reviewer needs it.
func reviewWords(r approvals.Request) string {
	if r.BreakGlass == "" {
		return fmt.Sprintf(":information_source: Request `%s` was made without break-glass; there is nothing to review. `/db-restore status %s` shows its history.", r.ID, r.ID)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Break-glass restore `%s`*: %s\n%s\n", r.ID, msgtext.StateWords(r.State), msgtext.What(r))
	fmt.Fprintf(&b, "• Requested by <@%s> at %s\n• Break-glass: %s\n• Reason: %s\n", r.Requester, msgtext.Stamp(r.CreatedAt), msgtext.Esc(r.BreakGlass), msgtext.Esc(r.Reason))
	fmt.Fprintf(&b, "• Rule %q normally needs %d approvals; this one needed 1\n", r.Rule.Name, max(r.Rule.BreakGlassFrom, r.Rule.Required()))
	for _, ap := range r.Approvals {
		fmt.Fprintf(&b, "• Approved by <@%s> at %s\n", ap.User, msgtext.Stamp(ap.At))
	}
	switch {
	case r.ReviewedBy != "":
		fmt.Fprintf(&b, "• :white_check_mark: Reviewed by <@%s> at %s: %s\n", r.ReviewedBy, msgtext.Stamp(r.ReviewedAt), msgtext.Esc(r.ReviewNote))
	case !r.State.Terminal():
		b.WriteString("• Not reviewed yet: it can be reviewed once it has ended.\n")
	default:
		fmt.Fprintf(&b, "• Not reviewed yet: an admin other than <@%s> marks it with `/db-restore review %s done \"what you found\"`.\n", r.Requester, r.ID)
	}
	fmt.Fprintf(&b, "`/db-restore status %s` shows its full history.", r.ID)
	return b.String()
}

// reviewRefusal says why a review was not recorded.
func reviewRefusal(a *App, err error) string {
	var r *approvals.Refusal
	if !errors.As(err, &r) {
		return slackview.Explain(a.log, storeErr(err))
	}
	id := r.Request.ID
	switch r.Reason {
	case approvals.ReasonSelfReview:
		return fmt.Sprintf(":no_entry: You requested `%s`, so you cannot review its break-glass use: another admin must.", id)
	case approvals.ReasonNotEnded:
		return fmt.Sprintf(":hourglass: Request `%s` is %s: a break-glass restore is reviewed only once it has ended. Nothing was recorded.", id, msgtext.StateWords(r.State))
	case approvals.ReasonNotBreakGlass:
		return fmt.Sprintf(":information_source: Request `%s` was made without break-glass; there is nothing to review.", id)
	case approvals.ReasonReviewed:
		return fmt.Sprintf(":information_source: Request `%s` was already reviewed by <@%s> at %s: %s", id, r.Request.ReviewedBy, msgtext.Stamp(r.Request.ReviewedAt), msgtext.Esc(r.Request.ReviewNote))
	}
	return slackview.Explain(a.log, err)
}
