package slackapp

import (
	"context"

	"github.com/dbrestore/db-restore/internal/lifetime"
)

// homeInstancesMax bounds the section (the cap is small anyway).
const homeInstancesMax = 10

// homeInstances are the person's live instances from restores to a new
// instance; none when the bot creates none.
func (a *App) homeInstances(ctx context.Context, user string) []lifetime.Record {
	if a.opt.NewInstances == nil {
		return nil
	}
	recs, err := a.opt.NewInstances.Registry().Live(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("Home tab drawn without the new instances")
		return nil
	}
	var out []lifetime.Record
	for _, r := range recs {
		if r.Requester == user && len(out) < homeInstancesMax {
			out = append(out, r)
		}
	}
	return out
}
