package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/drill"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// Poster posts a message; *slack.Client is one.
type Poster interface {
	PostMessageContext(ctx context.Context, channel string, options ...slack.MsgOption) (string, string, error)
}

// DrillNotifier renders drill events: each run announced and reported in
// the drill's channel (else the approval channel), failed and overdue
// drills also in the incident channel.
type DrillNotifier struct {
	API             Poster
	Channel         string // the bot's configured channel, when a drill names none
	IncidentChannel string
	Log             zerolog.Logger
}

var _ drill.Notifier = (*DrillNotifier)(nil)

// DrillEvent implements drill.Notifier.
func (n *DrillNotifier) DrillEvent(ctx context.Context, e drill.Event) {
	ch := e.Drill.Channel
	if ch == "" {
		ch = n.Channel
	}
	switch e.Kind {
	case drill.EventStarted:
		n.post(ctx, ch, slackview.DrillStartedText(e))
	case drill.EventEnded:
		n.post(ctx, ch, slackview.DrillReportText(e))
		if !e.Run.Passed() && n.IncidentChannel != "" && n.IncidentChannel != ch {
			n.post(ctx, n.IncidentChannel, slackview.DrillFailedText(e))
		}
	case drill.EventStaleBackup:
		target := e.Channel
		if target == "" {
			target = n.IncidentChannel
		}
		if target == "" {
			target = n.Channel
		}
		n.post(ctx, target, slackview.StaleBackupText(e))
	case drill.EventOverdue:
		target := n.IncidentChannel
		if target == "" {
			target = ch
		}
		n.post(ctx, target, slackview.DrillOverdueText(e))
	}
}

func (n *DrillNotifier) post(ctx context.Context, ch, text string) {
	if _, _, err := n.API.PostMessageContext(ctx, ch, slack.MsgOptionText(text, false)); err != nil {
		n.Log.Warn().Err(err).Str("channel", ch).Msg("Could not post a drill message.")
	}
}

// DrillBoard is what the drill commands ask of the drill runner
// (*drill.Runner).
type DrillBoard interface {
	Statuses(ctx context.Context) ([]drill.Status, error)
	RunNow(ctx context.Context, name, who string) (drill.Run, error)
}

var _ DrillBoard = (*drill.Runner)(nil)

const noDrills = "No restore drills run here: the policy file has no `drills:` list, or this is a dry run (drills create instances)."

// onDrills answers /db-restore drills.
func (a *App) onDrills(ctx context.Context, u user) {
	if a.drills == nil {
		a.tell(ctx, u, noDrills)
		return
	}
	rows, err := a.drills.Statuses(ctx)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	a.tell(ctx, u, slackview.DrillsText(rows))
}

// onDrillNow answers /db-restore drill NAME now (admins).
func (a *App) onDrillNow(ctx context.Context, u user, name string) {
	if !a.admin(ctx, u, intake.ActionRunDrill) {
		return
	}
	if a.drills == nil {
		a.tell(ctx, u, noDrills)
		return
	}
	run, err := a.drills.RunNow(ctx, name, u.id)
	switch {
	case errors.Is(err, drill.ErrBusy):
		a.tell(ctx, u, fmt.Sprintf(":hourglass_flowing_sand: Drill *%s* has a run in progress; its report will follow.", msgtext.Esc(name)))
	case errors.Is(err, drill.ErrNoDrill):
		a.tell(ctx, u, fmt.Sprintf(":question: There is no drill called %s. `/db-restore drills` lists them.", msgtext.Esc(strconv.Quote(name))))
	case err != nil:
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
	default:
		a.log.Info().Str("user_id", u.id).Str("drill", name).Str("drill_run", run.ID).Msg("Drill run asked for now.")
		a.tell(ctx, u, fmt.Sprintf(":test_tube: Drill *%s* started (run `%s`); it is announced and reported in its channel.", msgtext.Esc(name), msgtext.Esc(run.ID)))
	}
}
