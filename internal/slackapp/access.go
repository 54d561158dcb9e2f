package slackapp

import (
	"context"
	"slices"
	"strings"
)

// Who may look: the request form (and its instance lists), `policy`,
// `list` and `status` show the cloud's instances, the requests and the
// rules, so they answer only people who may request (under any rule),
// approve (under any rule), use break-glass, or administer. When some rule
// lets anyone request, anyone may look.

// lookError refuses someone who may not look, saying who may.
type lookError struct{ who []string }

func (e *lookError) Error() string { return "not allowed to look" }

func (e *lookError) words() string {
	return ":no_entry: Only people who may request, approve or administer database restores can use `/db-restore` to see instances, requests and rules. Allowed: " +
		mentionList(e.who) + ". Ask one of the bot's admins to be added."
}

// lookers are the IDs (users and groups) who may look; anyone is true when
// some rule lets anyone request.
func (a *App) lookers() (who []string, anyone bool) {
	add := func(ids []string) {
		for _, id := range ids {
			if !slices.Contains(who, id) {
				who = append(who, id)
			}
		}
	}
	for _, r := range append(a.policy.Rules, a.policy.Default) {
		if len(r.Requesters) == 0 && !r.Frozen {
			return nil, true
		}
		add(r.Requesters)
		add(r.Approvers)
	}
	add(a.opt.BreakGlass)
	add(a.opt.Admins)
	return who, false
}

// mayLook is nil when user may see instances, requests and rules.
func (a *App) mayLook(ctx context.Context, user string) error {
	who, anyone := a.lookers()
	if anyone {
		return nil
	}
	ok, err := a.people.member(ctx, user, who)
	if err != nil {
		return &uncheckedError{outcome: "Nothing was shown", what: "who may use the bot (user groups) from Slack", err: err}
	}
	if !ok {
		return &lookError{who: who}
	}
	return nil
}

// looking wraps work that shows instances, requests or rules: it runs
// only for people who may look, and others are told who may.
func (a *App) looking(u user, work func(context.Context)) func(context.Context) {
	return func(ctx context.Context) {
		if err := a.mayLook(ctx, u.id); err != nil {
			a.log.Info().Str("user_id", u.id).Err(err).Msg("refused: may not look")
			a.tell(ctx, u, explain(a.log, err))
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
