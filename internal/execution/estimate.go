package execution

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// recordDuration keeps how long a followed job ran, so later requests on
// the same instance can be estimated from it.
func (e *Executor) recordDuration(ctx context.Context, log zerolog.Logger, r approvals.Request) {
	if r.SubmittedAt.IsZero() {
		return
	}
	if err := e.store.RecordDuration(ctx, r.Params.Type, r.Params.TargetID, e.now().Sub(r.SubmittedAt)); err != nil {
		log.Warn().Err(err).Msg("could not record the restore's duration")
	}
}

// compareEstimate says how the run compared with the request's estimate.
func (e *Executor) compareEstimate(r approvals.Request) string {
	if r.Estimate == nil || r.SubmittedAt.IsZero() {
		return ""
	}
	took := e.now().Sub(r.SubmittedAt)
	word := "about as estimated"
	switch {
	case took > r.Estimate.Duration*5/4+time.Minute:
		word = "longer than estimated"
	case took < r.Estimate.Duration*3/4-time.Minute:
		word = "quicker than estimated"
	}
	return fmt.Sprintf(" It took %s; the estimate was about %s, so %s.", msgtext.About(took), msgtext.About(r.Estimate.Duration), word)
}
