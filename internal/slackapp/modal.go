package slackapp

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/command"
)

// routeOpen answers `/db-restore` with no text. Until the request form
// exists it shows the usage.
func (a *App) routeOpen(slack.SlashCommand) (any, func(context.Context)) {
	return reply(command.Usage), nil
}

// routeSubmission answers a submitted form.
func (a *App) routeSubmission(slack.InteractionCallback) (any, func(context.Context)) {
	return nil, nil
}

// routeSuggestion answers an external select's search with options; it
// must not do I/O: the options go back in the ack.
func (a *App) routeSuggestion(slack.InteractionCallback) any { return nil }

// routeModalAction answers a change inside the form.
func (a *App) routeModalAction(slack.InteractionCallback) (any, func(context.Context)) {
	return nil, nil
}
