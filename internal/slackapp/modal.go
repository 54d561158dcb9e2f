package slackapp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// The request form: `/db-restore` with no text opens it. Its route
// functions run on the Socket Mode event loop and do no I/O; the Slack and
// cloud calls happen in the jobs they return. A submitted form becomes a
// request through createRequest, the same path as the text command.

// routeOpen answers `/db-restore` with no text: an empty ack, then the form.
func (a *App) routeOpen(sc slack.SlashCommand) (any, func(context.Context)) {
	if a.forms.cache == nil {
		return reply(":information_source: The request form lists instances and backups from GaussDB, and this bot runs without cloud credentials. Type the request instead.\n\n" + command.Usage), nil
	}
	u := user{id: sc.UserID, channel: sc.ChannelID, responseURL: sc.ResponseURL}
	trigger := sc.TriggerID
	return nil, func(ctx context.Context) { a.openForm(ctx, u, trigger) }
}

// openForm opens the form at once, within the trigger's 3 seconds: the full
// form when the instance list is in memory, else a loading view that is
// filled once the list arrives.
func (a *App) openForm(ctx context.Context, u user, trigger string) {
	a.openFormWith(ctx, u, trigger, slackview.FormMeta{Channel: u.channel, Requester: u.id}, slackview.FormValues{Type: restore.TypeBackup})
}

// openFormWith opens the form with its metadata and first values given.
func (a *App) openFormWith(ctx context.Context, u user, trigger string, meta slackview.FormMeta, values slackview.FormValues) {
	log := a.log.With().Str("user_id", u.id).Logger()
	if err := a.in.MayLook(ctx, u.id); err != nil { // the form lists the cloud's instances
		log.Info().Err(err).Msg("refused: may not look")
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return
	}
	full := a.forms.cache.HasFreshList()
	view := slackview.LoadingView()
	if full {
		view = slackview.FormView(meta, values, slackview.FormData{Instances: a.forms.cache.Listed()})
	}
	resp, err := a.api.OpenViewContext(ctx, trigger, view)
	if err != nil {
		log.Warn().Err(err).Msg("could not open the request form")
		a.tell(ctx, u, fmt.Sprintf(":warning: The request form could not be opened (%s). Run `/db-restore` again, or type the request:\n\n%s", msgtext.Esc(err.Error()), command.Usage))
		return
	}
	s := a.forms.session(resp.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hash = resp.Hash
	if full {
		return
	}
	ins, err := a.forms.cache.List(ctx)
	if err != nil {
		a.updateForm(ctx, s, resp.ID, resp.Hash, slackview.FailedView(":warning: The instance list could not be read from GaussDB. "+slackview.Explain(a.log, err)))
		return
	}
	a.updateForm(ctx, s, resp.ID, resp.Hash, slackview.FormView(meta, values, slackview.FormData{Instances: ins}))
}

// formChange is one change inside an open form that alters other fields.
type formChange struct {
	viewID, hash, actionTS string
	meta                   slackview.FormMeta
	values                 slackview.FormValues
}

// routeModalAction answers a change inside the form: an empty ack, then
// the form redrawn for the new source, type, time or target.
func (a *App) routeModalAction(cb slack.InteractionCallback) (any, func(context.Context)) {
	if cb.View.CallbackID != slackview.FormCallback || a.forms.cache == nil {
		return nil, nil
	}
	for _, act := range cb.ActionCallback.BlockActions {
		if act == nil {
			continue
		}
		switch act.ActionID {
		case slackview.FieldSource, slackview.FieldType, slackview.FieldTime, slackview.FieldTarget, slackview.FieldTables:
		default:
			continue
		}
		meta := slackview.DecodeMeta(cb.View.PrivateMetadata)
		if !sameUser(meta.Requester, cb.User.ID) {
			return nil, nil // not the form's owner: nothing to draw for them
		}
		ch := formChange{viewID: cb.View.ID, hash: cb.View.Hash, actionTS: act.ActionTs, meta: meta,
			values: slackview.ReadValues(meta, cb.View.State).Apply(*act)}
		return nil, func(ctx context.Context) { a.onFormChange(ctx, ch) }
	}
	return nil, nil
}

func (a *App) onFormChange(ctx context.Context, ch formChange) {
	s := a.forms.session(ch.viewID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.advance(ch.actionTS) {
		return // a later change was already drawn
	}
	meta := ch.meta
	if meta.TZ == "" {
		loc, err := a.people.Location(ctx, meta.Requester)
		if err != nil {
			a.log.Warn().Err(err).Str("user_id", meta.Requester).Msg("time zone unknown; the form shows UTC")
		} else {
			meta.TZ = loc.String()
		}
	}
	a.updateForm(ctx, s, ch.viewID, ch.hash, a.renderForm(ctx, meta, ch.values, nil, ""))
}

// renderForm reads what the form offers for the chosen source and draws it.
func (a *App) renderForm(ctx context.Context, meta slackview.FormMeta, v slackview.FormValues, problems map[string]string, summary string) slack.ModalViewRequest {
	cache := a.forms.cache
	d := slackview.FormData{Problems: problems, Summary: summary}
	var loadErrs []string
	couldNot := func(what string, err error) {
		loadErrs = append(loadErrs, fmt.Sprintf(":warning: Could not read %s from GaussDB, so the choices may be incomplete. %s", what, slackview.Explain(a.log, err)))
	}
	ins, err := cache.List(ctx)
	if err != nil {
		couldNot("the instance list", err)
		ins = cache.Listed()
	}
	d.Instances = ins
	if v.Source != meta.Source {
		// Choices made for another source do not apply to this one.
		v.Backup, v.Target, v.Confirm = "", "", ""
	}
	meta.Source, meta.SourceName = v.Source, ""
	if v.Source != "" {
		d.Source = restore.Instance{ID: v.Source}
		for _, in := range ins {
			if in.ID == v.Source {
				d.Source = in
			}
		}
		meta.SourceName = d.Source.Name
		switch v.Type {
		case restore.TypeBackup:
			if d.Backups, err = cache.CompletedBackups(ctx, v.Source); err != nil {
				couldNot("the source's backups", err)
			}
		case restore.TypeTimestamp, restore.TypeTables:
			if d.Windows, err = cache.RestoreWindows(ctx, v.Source); err != nil {
				couldNot("the source's restorable window", err)
			}
		}
		if v.Type == restore.TypeTables && v.Time != 0 {
			if d.Tables, err = cache.TablesAt(ctx, v.Source, time.Unix(v.Time, 0)); err != nil {
				couldNot("the tables at that time", err)
			}
			meta.TablesAt = v.Time
		} else if v.Type != restore.TypeTables {
			if d.Targets, err = cache.Targets(ctx, d.Source); err != nil {
				couldNot("the possible targets", err)
			}
		}
	}
	d.LoadErr = strings.Join(loadErrs, "\n")
	return slackview.FormView(meta, v, d)
}

// updateForm replaces an open view. A hash conflict means the view changed
// since the change being drawn was made: it is retried once with the
// newest hash this replica knows, which is only ever that of a change drawn
// before this one.
func (a *App) updateForm(ctx context.Context, s *formSession, viewID, hash string, view slack.ModalViewRequest) {
	resp, err := a.api.UpdateViewContext(ctx, view, "", hash, viewID)
	if err != nil && strings.Contains(err.Error(), "hash_conflict") && s.hash != "" && s.hash != hash {
		resp, err = a.api.UpdateViewContext(ctx, view, "", s.hash, viewID)
	}
	if err != nil {
		a.log.Warn().Err(err).Str("view_id", viewID).Msg("could not update the request form")
		return
	}
	s.hash = resp.Hash
}

// formSubmission is a submitted form that passed the checks needing no I/O.
type formSubmission struct {
	viewID, user string
	meta         slackview.FormMeta
	values       slackview.FormValues
}

// routeSubmission answers a submitted form: field errors at once for
// whatever can be checked without I/O, else a "checking" view while the
// request goes through the same validation as the text command.
func (a *App) routeSubmission(cb slack.InteractionCallback) (any, func(context.Context)) {
	if cb.View.CallbackID != slackview.FormCallback {
		return nil, nil
	}
	meta := slackview.DecodeMeta(cb.View.PrivateMetadata)
	values := slackview.ReadValues(meta, cb.View.State)
	if errs := slackview.CheckForm(meta, values, slackview.InputBlockIDs(cb.View), a.now()); errs != nil {
		return slack.NewErrorsViewSubmissionResponse(errs), nil
	}
	checking := slackview.CheckingView()
	sub := formSubmission{viewID: cb.View.ID, user: cb.User.ID, meta: meta, values: values}
	return slack.NewUpdateViewSubmissionResponse(&checking), func(ctx context.Context) { a.onFormSubmit(ctx, sub) }
}

// onFormSubmit creates the request. Success shows its ID; a refusal brings
// the form back with the entries kept and the problem next to its field.
func (a *App) onFormSubmit(ctx context.Context, sub formSubmission) {
	log := a.log.With().Str("user_id", sub.user).Str("view_id", sub.viewID).Logger()
	d := sub.values.Draft()
	d.Origin, d.Notify = sub.meta.Origin, sub.meta.Notify
	req, err := a.createRequest(ctx, sub.user, sub.meta.Channel, d)
	if err == nil {
		if _, uerr := a.api.UpdateViewContext(ctx, slackview.DoneView(req), "", "", sub.viewID); uerr != nil {
			// The form was closed while it was checked: say it in the channel.
			log.Info().Err(uerr).Msg("form gone; telling the requester in the channel")
			a.whisper(ctx, sub.meta.Channel, sub.user, fmt.Sprintf(":inbox_tray: Request `%s` is waiting for approval in <#%s>: %s. `/db-restore cancel %s` withdraws it.",
				req.ID, req.Channel, msgtext.What(req), req.ID))
		}
		return
	}
	words := slackview.Explain(a.log, err)
	summary := ":warning: *Not requested.* " + words
	problems := map[string]string{}
	var fe *restore.FieldError
	if slackview.AsField(err, &fe) {
		if k := slackview.ProblemField(fe.Field, sub.meta.Source); k != "" {
			problems[k] = words
			summary = fmt.Sprintf(":warning: *Not requested:* GaussDB does not accept the %s shown below. Change it and submit again.", fe.Field)
		}
		a.forms.cache.Forget(sub.meta.Source) // show what is true now
	}
	log.Info().Err(err).Msg("form submission refused")
	if _, uerr := a.api.UpdateViewContext(ctx, a.renderForm(ctx, sub.meta, sub.values, problems, summary), "", "", sub.viewID); uerr != nil {
		log.Info().Err(uerr).Msg("form gone; telling the requester in the channel")
		a.whisper(ctx, sub.meta.Channel, sub.user, words)
	}
}

// routeSuggestion answers a search in an external select with options from
// memory: the options go back in the ack, so it must not do I/O.
func (a *App) routeSuggestion(cb slack.InteractionCallback) any {
	if a.forms.cache == nil || cb.View.CallbackID != slackview.FormCallback {
		return nil
	}
	meta := slackview.DecodeMeta(cb.View.PrivateMetadata)
	if !sameUser(meta.Requester, cb.User.ID) {
		// The form's owner was checked when it was opened; nobody else
		// may list instances through it (and no I/O happens here).
		return suggestions(nil, nil)
	}
	switch cb.ActionID {
	case slackview.FieldSource:
		return suggestions(nil, intake.Matching(a.forms.cache.Listed(), cb.Value))
	case slackview.FieldTables:
		if meta.Source == "" || meta.TablesAt == 0 {
			return slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
		}
		return slack.OptionsResponse{Options: slackview.TableChoices(a.forms.cache.TablesListed(meta.Source, meta.TablesAt), cb.Value)}
	case slackview.FieldTarget:
		if meta.Source == "" {
			return nil
		}
		name := meta.SourceName
		if name == "" {
			name = meta.Source
		}
		original := slack.NewOptionBlockObject(slackview.TargetOriginal, slackview.Plain(slackview.Truncate("The original instance (overwrite) · "+name, 75)), nil)
		return suggestions([]*slack.OptionBlockObject{slackview.NewInstanceOption(), original}, intake.Matching(a.forms.cache.KnownTargets(meta.Source), cb.Value))
	}
	return nil
}
