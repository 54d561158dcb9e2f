package execution

import (
	"context"

	"github.com/rs/zerolog"

	"github.com/dbrestore/db-restore/internal/approvals"
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
