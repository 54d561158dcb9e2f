package slackapp

import (
	"context"
	"strings"

	"github.com/dbrestore/db-restore/internal/slackview"
)

// looking wraps work that shows instances, requests or rules: it runs
// only for people who may look (intake.Service.MayLook), and others are
// told who may.
func (a *App) looking(u user, work func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		if err := a.in.MayLook(ctx, u.id); err != nil {
			a.log.Info().Str("user_id", u.id).Err(err).Msg("refused: may not look")
			a.tell(ctx, u, slackview.Explain(a.log, err))
			return
		}
		work(ctx)
	}
}

// sameUser reports whether an interaction inside the form comes from the
// person the form was opened for (and checked): a form is not shared.
func sameUser(formRequester, user string) bool {
	return formRequester != "" && strings.EqualFold(formRequester, user)
}
