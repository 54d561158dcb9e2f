package slackapp

import (
	"context"
	"strings"

	"github.com/dbrestore/db-restore/internal/intake"
)

// The replica policy guard is intake's (intake.Guard); the app claims the
// record at start, holds it while it runs and releases it at a clean stop.

func (a *App) claimPolicy(ctx context.Context) bool { return a.in.Guard().Claim(ctx) }

func (a *App) holdPolicy(ctx, work context.Context) { a.in.Guard().Hold(ctx, work) }

func (a *App) releasePolicy(ctx context.Context) { a.in.Guard().Release(ctx) }

// PolicyProblem says, for /readyz, why this replica's approval rules and
// settings are not confirmed as those in force; empty when they are.
func (a *App) PolicyProblem() string {
	err := a.in.Guard().Problem()
	if err == nil {
		return ""
	}
	if d := intake.Differs(err); len(d) > 0 {
		return err.Error() + "; the settings differ in " + strings.Join(d, ", ")
	}
	return err.Error()
}

// PolicyHash is the hash of this replica's approval rules and settings.
func (a *App) PolicyHash() string { return a.in.Guard().Hash() }
