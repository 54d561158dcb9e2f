package slackapp

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/restore"
)

// formTitle is the title of every view of the form (Slack allows 24 characters).
const formTitle = "Restore a database"

// formData is what the form shows besides the person's own values: the
// cloud's choices for the chosen source, and problems to point out.
type formData struct {
	instances []restore.Instance // every instance, sorted by name
	source    restore.Instance   // the chosen source, when known
	backups   []restore.Backup   // its completed backups, newest first
	windows   []restore.Window   // its restorable windows
	targets   []restore.Instance // the other instances it can be restored into
	tables    []restore.Database // the tables it had at the chosen time (table restores)
	loadErr   string             // words for cloud data that could not be read
	summary   string             // shown at the top: why the last submission was refused
	problems  map[string]string  // block_id → words shown under that field
}

// formView renders the request form. m.Source and m.SourceName must
// describe v.Source. Every choice the person made is set as the element's
// initial value, so nothing they entered is lost when the form changes.
func formView(m formMeta, v formValues, d formData) slack.ModalViewRequest {
	if len(d.instances) == 0 && v.Source == "" {
		return noteView("Restore a database", "Close",
			":information_source: There are no GaussDB(for MySQL) instances in this project to restore.")
	}
	fb := &formBlocks{problems: d.problems, shown: map[string]bool{}}
	fb.add(fieldSource, dispatching(slack.NewInputBlock(fieldSource, plain("Source instance"),
		plain("The instance whose backup or past state is restored."), sourceElement(v, d))))
	fb.add(fieldType, dispatching(slack.NewInputBlock(fieldType, plain("Restore type"), nil, typeElement(v.Type))))
	if v.Source == "" {
		fb.add("", slack.NewContextBlock("", mrkdwn("Choose a source instance: its backups, its restorable window and the instances it can be restored into appear here.")))
	} else {
		sourceBlocks(fb, m, v, d)
	}
	reason := slack.NewPlainTextInputBlockElement(plain("What happened, and why this restore is the fix"), fieldReason)
	reason.Multiline, reason.MaxLength, reason.InitialValue = true, command.MaxReasonLen, truncate(v.Reason, command.MaxReasonLen)
	fb.add(fieldReason, slack.NewInputBlock(fieldReason, plain("Reason"), nil, reason))
	ticket := slack.NewPlainTextInputBlockElement(plain("https://tickets.example.com/INC-1234"), fieldTicket)
	ticket.MaxLength, ticket.InitialValue = command.MaxTicketLen, truncate(v.Ticket, command.MaxTicketLen)
	tb := slack.NewInputBlock(fieldTicket, plain("Ticket or incident link"), plain("Shown on the approval message."), ticket)
	tb.Optional = true
	fb.add(fieldTicket, tb)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain(formTitle),
		Submit:          plain("Request restore"),
		Close:           plain("Cancel"),
		CallbackID:      formCallback,
		PrivateMetadata: m.encode(),
		Blocks:          slack.Blocks{BlockSet: fb.withSummary(d.summary)},
	}
}

// formBlocks collects the form's blocks, each field's problem under it.
type formBlocks struct {
	b        []slack.Block
	problems map[string]string // block_id -> problem
	shown    map[string]bool   // problems shown under their field
}

// add appends blocks, then the problem of the field they hold ("" for none).
func (fb *formBlocks) add(field string, blocks ...slack.Block) {
	fb.b = append(fb.b, blocks...)
	if p := fb.problems[field]; field != "" && p != "" {
		fb.b = append(fb.b, slack.NewContextBlock("", mrkdwn(truncate(p, 3000))))
		fb.shown[field] = true
	}
}

// withSummary puts the summary on top, with any problem whose field is not
// shown.
func (fb *formBlocks) withSummary(summary string) []slack.Block {
	var top []string
	if summary != "" {
		top = append(top, summary)
	}
	for _, k := range slices.Sorted(maps.Keys(fb.problems)) {
		if !fb.shown[k] {
			top = append(top, fb.problems[k])
		}
	}
	if len(top) == 0 {
		return fb.b
	}
	return append([]slack.Block{slack.NewSectionBlock(mrkdwn(truncate(strings.Join(top, "\n"), 3000)), nil, nil)}, fb.b...)
}

// sourceBlocks are the fields that depend on the chosen source.
func sourceBlocks(fb *formBlocks, m formMeta, v formValues, d formData) {
	if d.loadErr != "" {
		fb.add("", slack.NewContextBlock("", mrkdwn(truncate(d.loadErr, 3000))))
	}
	switch v.Type {
	case restore.TypeBackup:
		fb.add(perSource(fieldBackup, m.Source), backupBlock(m, v, d)...)
	case restore.TypeTimestamp:
		fb.add(fieldTime, timeBlocks(m, v, d)...)
	case restore.TypeTables:
		fb.add(fieldTime, timeBlocks(m, v, d)...)
		fb.add(perSource(fieldTables, m.Source), tablesFormBlocks(m, v, d)...)
		fb.add(fieldSuffix)
	}
	if v.Type != restore.TypeTables {
		fb.add(perSource(fieldTarget, m.Source), dispatching(slack.NewInputBlock(perSource(fieldTarget, m.Source), plain("Target instance"),
			plain(targetHint(d.source)), targetElement(v, d))))
	}
	if v.Target == targetOriginal && v.Type != restore.TypeTables {
		fb.add(perSource(fieldConfirm, m.Source), confirmBlocks(m, v, d.source)...)
	}
}

func dispatching(ib *slack.InputBlock) *slack.InputBlock {
	ib.DispatchAction = true
	return ib
}

// sourceElement lists every instance, or searches them through
// block_suggestion when there are more than a static select can hold.
func sourceElement(v formValues, d formData) slack.BlockElement {
	var initial *slack.OptionBlockObject
	if v.Source != "" {
		in := d.source
		if in.ID != v.Source {
			in = restore.Instance{ID: v.Source}
		}
		initial = instanceOption(in)
	}
	if len(d.instances) > maxOptions {
		return externalSelect(fieldSource, "Search by name or ID", initial)
	}
	opts := make([]*slack.OptionBlockObject, len(d.instances))
	for i, in := range d.instances {
		opts[i] = instanceOption(in)
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose an instance"), fieldSource, opts...)
	sel.InitialOption = initial
	return sel
}

func externalSelect(actionID, placeholder string, initial *slack.OptionBlockObject) *slack.SelectBlockElement {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, plain(placeholder), actionID)
	minQuery := 0 // list the first matches as soon as the menu opens
	sel.MinQueryLength = &minQuery
	sel.InitialOption = initial
	return sel
}

// instanceOption shows an instance as its name, the tail of its ID, its
// engine version and its status.
func instanceOption(in restore.Instance) *slack.OptionBlockObject {
	name := in.Name
	if name == "" {
		name = in.ID
	}
	parts := []string{truncate(name, 36), "…" + tail(in.ID, 8)}
	if in.DatastoreVersion != "" {
		parts = append(parts, in.DatastoreVersion)
	}
	if in.Status != "" {
		parts = append(parts, in.Status)
	}
	return slack.NewOptionBlockObject(in.ID, plain(truncate(strings.Join(parts, " · "), 75)), nil)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func typeElement(typ string) *slack.RadioButtonsBlockElement {
	backup := slack.NewOptionBlockObject(restore.TypeBackup, plain("From a backup"), plain("One of the source's completed backups"))
	pitr := slack.NewOptionBlockObject(restore.TypeTimestamp, plain("To a point in time"), plain("Any moment inside the source's restorable window"))
	tables := slack.NewOptionBlockObject(restore.TypeTables, plain("Tables at a point in time"),
		plain("Into the source under new names; nothing existing changes"))
	el := slack.NewRadioButtonsBlockElement(fieldType, backup, pitr, tables)
	switch typ {
	case restore.TypeBackup:
		el.InitialOption = backup
	case restore.TypeTimestamp:
		el.InitialOption = pitr
	case restore.TypeTables:
		el.InitialOption = tables
	}
	return el
}

func backupBlock(m formMeta, v formValues, d formData) []slack.Block {
	if len(d.backups) == 0 {
		if d.loadErr != "" {
			return nil
		}
		return []slack.Block{slack.NewSectionBlock(mrkdwn(truncate(":information_source: "+instanceLabel(d.source.Name, v.Source)+
			" has no completed backup. Choose a point in time instead.", 3000)), nil, nil)}
	}
	loc := m.location()
	backups := d.backups[:min(len(d.backups), maxOptions)]
	opts := make([]*slack.OptionBlockObject, len(backups))
	var initial *slack.OptionBlockObject
	for i, bk := range backups {
		opts[i] = backupOption(bk, loc)
		if bk.ID == v.Backup {
			initial = opts[i]
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose a backup"), fieldBackup, opts...)
	sel.InitialOption = initial
	hint := fmt.Sprintf("Completed backups of the source, newest first, in your time zone (%s).", loc)
	return []slack.Block{slack.NewInputBlock(perSource(fieldBackup, m.Source), plain("Backup"), plain(hint), sel)}
}

// backupOption shows a backup as its start time in the requester's zone,
// its size, its kind and its name.
func backupOption(b restore.Backup, loc *time.Location) *slack.OptionBlockObject {
	parts := []string{b.Begin.In(loc).Format("2006-01-02 15:04 MST"), size(b.SizeMB)}
	if b.Type != "" {
		parts = append(parts, b.Type)
	}
	if b.Name != "" {
		parts = append(parts, b.Name)
	}
	return slack.NewOptionBlockObject(b.ID, plain(truncate(strings.Join(parts, " · "), 75)), nil)
}

func size(mb float64) string {
	if mb < 1024 {
		return fmt.Sprintf("%.0f MB", mb)
	}
	return fmt.Sprintf("%.1f GB", mb/1024)
}

// timeBlocks are the date-and-time picker, with the restorable window as
// its hint, and the chosen instant echoed in UTC, in the requester's zone
// and in epoch milliseconds.
func timeBlocks(m formMeta, v formValues, d formData) []slack.Block {
	picker := slack.NewDateTimePickerBlockElement(fieldTime)
	picker.InitialDateTime = v.Time
	out := []slack.Block{dispatching(slack.NewInputBlock(fieldTime, plain("Point in time"), plain(windowsHint(d.windows, m.location())), picker))}
	if v.Time == 0 {
		return out
	}
	t := time.Unix(v.Time, 0).UTC()
	where := ""
	switch {
	case len(d.windows) == 0:
	case inWindows(d.windows, t):
		where = "\n:white_check_mark: Inside the restorable window."
	default:
		where = "\n:warning: Outside every restorable window: choose a time inside one."
	}
	zone := m.TZ
	if zone == "" {
		zone = "UTC"
	}
	return append(out, slack.NewContextBlock("", mrkdwn("*Restore to:* "+formatInstant(t, zone)+where)))
}

func inWindows(ws []restore.Window, t time.Time) bool {
	for _, w := range ws {
		if w.Contains(t) {
			return true
		}
	}
	return false
}

// windowsHint shows the restorable windows in the requester's zone, which
// is also the zone Slack shows the picker in.
func windowsHint(ws []restore.Window, loc *time.Location) string {
	if len(ws) == 0 {
		return "No restorable window is known for this instance: choose a backup instead, or check its backup policy."
	}
	const shown = 5
	var parts []string
	for i, w := range ws {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(ws)-shown))
			break
		}
		parts = append(parts, w.Start.In(loc).Format("2006-01-02 15:04:05 MST")+" to "+w.End.In(loc).Format("2006-01-02 15:04:05 MST"))
	}
	return fmt.Sprintf("Restorable (your time zone, %s): %s.", loc, strings.Join(parts, "; "))
}

func targetHint(source restore.Instance) string {
	s := "The original instance, or an ACTIVE instance with the source's datastore type, version and table-name case sensitivity"
	if source.DatastoreType != "" {
		s += fmt.Sprintf(" (%s %s)", source.DatastoreType, source.DatastoreVersion)
	}
	return s + "."
}

// targetElement offers a new instance first, then the original instance,
// then the instances the API accepts as targets.
func targetElement(v formValues, d formData) slack.BlockElement {
	name := d.source.Name
	if name == "" {
		name = v.Source
	}
	original := slack.NewOptionBlockObject(targetOriginal, plain(truncate("The original instance (overwrite) · "+name, 75)), nil)
	var initial *slack.OptionBlockObject
	if v.Target == targetOriginal {
		initial = original
	}
	fresh := newInstanceOption()
	if v.Target == targetNew {
		initial = fresh
	}
	opts := []*slack.OptionBlockObject{fresh, original}
	for _, in := range d.targets {
		o := instanceOption(in)
		if in.ID == v.Target {
			initial = o
		}
		opts = append(opts, o)
	}
	if initial == nil && v.Target != "" {
		// The person's choice is no longer eligible (GaussDB just refused
		// it): keep it, with its state, next to the problem shown under it.
		kept := restore.Instance{ID: v.Target}
		for _, in := range d.instances {
			if in.ID == v.Target {
				kept = in
			}
		}
		initial = instanceOption(kept)
		opts = append(opts, initial)
	}
	if len(opts) > maxOptions {
		return externalSelect(fieldTarget, "Search by name or ID", initial)
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Choose where to restore to"), fieldTarget, opts...)
	sel.InitialOption = initial
	return sel
}

// confirmBlocks warn that the source is overwritten and ask for its name.
func confirmBlocks(m formMeta, v formValues, source restore.Instance) []slack.Block {
	name := m.SourceName
	if name == "" {
		name = v.Source
	}
	warn := slack.NewSectionBlock(mrkdwn(truncate(fmt.Sprintf(
		":warning: *Restore to the original instance:* this overwrites the current data of %s. The instance is unavailable while it restores.",
		instanceLabel(truncate(source.Name, 100), v.Source)), 3000)), nil, nil)
	in := slack.NewPlainTextInputBlockElement(nil, fieldConfirm)
	in.InitialValue = truncate(v.Confirm, 255)
	label := truncate("Type "+name+" to confirm the overwrite", 2000)
	return []slack.Block{warn, slack.NewInputBlock(perSource(fieldConfirm, m.Source), plain(label), nil, in)}
}

// noteView is a form state without inputs: loading, checking, done, or a
// problem that stops the form.
func noteView(title, closeText, text string, context ...string) slack.ModalViewRequest {
	b := []slack.Block{slack.NewSectionBlock(mrkdwn(truncate(text, 3000)), nil, nil)}
	for _, c := range context {
		b = append(b, slack.NewContextBlock("", mrkdwn(truncate(c, 3000))))
	}
	return slack.ModalViewRequest{Type: slack.VTModal, Title: plain(title), Close: plain(closeText), Blocks: slack.Blocks{BlockSet: b}}
}

func loadingView() slack.ModalViewRequest {
	return noteView(formTitle, "Cancel", ":hourglass_flowing_sand: Loading your GaussDB instances…")
}

func checkingView() slack.ModalViewRequest {
	return noteView(formTitle, "Close", ":hourglass_flowing_sand: Checking your request with GaussDB…",
		"This takes a few seconds. If anything needs changing, the form comes back with your entries.")
}

func doneView(r approvals.Request) slack.ModalViewRequest {
	return noteView("Restore requested", "Done",
		fmt.Sprintf(":inbox_tray: Request `%s` is waiting for approval in <#%s>.\n%s", r.ID, r.Channel, whatLine(r)),
		fmt.Sprintf("`/db-restore status %s` shows where it stands; `/db-restore cancel %s` withdraws it.", r.ID, r.ID))
}

// failedView says why the form could not be shown, and how to ask anyway.
func failedView(words string) slack.ModalViewRequest {
	return noteView(formTitle, "Close", words,
		"Try again in a minute, or type the request: `/db-restore source=NAME backup=BACKUP_ID reason=\"…\"` (`/db-restore help` shows every form).")
}

// newInstanceOption is the target "a new instance": a pay-per-use copy of
// the source's size and network, deleted after its lifetime.
func newInstanceOption() *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(targetNew, plain("A new instance (a copy of the source's size and network)"), nil)
}
