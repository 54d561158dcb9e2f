package slackapp

import (
	"context"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/intake"
)

// homeDrills reads the drills for someone who may see the Home board.
func (a *App) homeDrills(ctx context.Context, role intake.Role) []drill.Status {
	if a.drills == nil || role.None() {
		return nil
	}
	st, err := a.drills.Statuses(ctx)
	if err != nil {
		a.log.Warn().Err(err).Msg("Home: could not read the drills.")
		return nil
	}
	return st
}
