package slackview

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/restore"
)

// MaxOptions is Slack's limit for a static select and a suggestion ack.
const MaxOptions = intake.MaxOffered

// formTitle is the title of every view of the form (Slack allows 24 characters).
const formTitle = "Restore a database"

// FormData is what the form shows besides the person's own values: the
// cloud's choices for the chosen source, and problems to point out.
type FormData struct {
	Instances []restore.Instance // every instance, sorted by name
	Source    restore.Instance   // the chosen source, when known
	Backups   []restore.Backup   // its completed backups, newest first
	Windows   []restore.Window   // its restorable windows
	Targets   []restore.Instance // the other instances it can be restored into
	Tables    []restore.Database // the tables it had at the chosen time (table restores)
	LoadErr   string             // words for cloud data that could not be read
	Summary   string             // shown at the top: why the last submission was refused
	Problems  map[string]string  // block_id → words shown under that field
}

// FormView renders the request form. m.Source and m.SourceName must
// describe v.Source. Every choice the person made is set as the element's
// initial value, so nothing they entered is lost when the form changes.
func FormView(m FormMeta, v FormValues, d FormData) slack.ModalViewRequest {
	if len(d.Instances) == 0 && v.Source == "" {
		return noteView("Restore a database", "Close",
			":information_source: There are no GaussDB(for MySQL) instances in this project to restore.")
	}
	fb := &formBlocks{Problems: d.Problems, shown: map[string]bool{}}
	fb.add(FieldSource, dispatching(slack.NewInputBlock(FieldSource, Plain("Source instance"),
		Plain("The instance whose backup or past state is restored."), sourceElement(v, d))))
	fb.add(FieldType, dispatching(slack.NewInputBlock(FieldType, Plain("Restore type"), nil, typeElement(v.Type))))
	if v.Source == "" {
		fb.add("", slack.NewContextBlock("", Mrkdwn("Choose a source instance: its backups, its restorable window and the instances it can be restored into appear here.")))
	} else {
		sourceBlocks(fb, m, v, d)
	}
	reason := slack.NewPlainTextInputBlockElement(Plain("What happened, and why this restore is the fix"), FieldReason)
	reason.Multiline, reason.MaxLength, reason.InitialValue = true, command.MaxReasonLen, Truncate(v.Reason, command.MaxReasonLen)
	fb.add(FieldReason, slack.NewInputBlock(FieldReason, Plain("Reason"), nil, reason))
	ticket := slack.NewPlainTextInputBlockElement(Plain("https://tickets.example.com/INC-1234"), FieldTicket)
	ticket.MaxLength, ticket.InitialValue = command.MaxTicketLen, Truncate(v.Ticket, command.MaxTicketLen)
	tb := slack.NewInputBlock(FieldTicket, Plain("Ticket or incident link"), Plain("Shown on the approval message."), ticket)
	tb.Optional = true
	fb.add(FieldTicket, tb)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           Plain(formTitle),
		Submit:          Plain("Request restore"),
		Close:           Plain("Cancel"),
		CallbackID:      FormCallback,
		PrivateMetadata: m.Encode(),
		Blocks:          slack.Blocks{BlockSet: fb.withSummary(d.Summary)},
	}
}

// formBlocks collects the form's blocks, each field's problem under it.
type formBlocks struct {
	b        []slack.Block
	Problems map[string]string // block_id -> problem
	shown    map[string]bool   // problems shown under their field
}

// add appends blocks, then the problem of the field they hold ("" for none).
func (fb *formBlocks) add(field string, blocks ...slack.Block) {
	fb.b = append(fb.b, blocks...)
	if p := fb.Problems[field]; field != "" && p != "" {
		fb.b = append(fb.b, slack.NewContextBlock("", Mrkdwn(Truncate(p, 3000))))
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
	for _, k := range slices.Sorted(maps.Keys(fb.Problems)) {
		if !fb.shown[k] {
			top = append(top, fb.Problems[k])
		}
	}
	if len(top) == 0 {
		return fb.b
	}
	return append([]slack.Block{slack.NewSectionBlock(Mrkdwn(Truncate(strings.Join(top, "\n"), 3000)), nil, nil)}, fb.b...)
}

// sourceBlocks are the fields that depend on the chosen source.
func sourceBlocks(fb *formBlocks, m FormMeta, v FormValues, d FormData) {
	if d.LoadErr != "" {
		fb.add("", slack.NewContextBlock("", Mrkdwn(Truncate(d.LoadErr, 3000))))
	}
	switch v.Type {
	case restore.TypeBackup:
		fb.add(PerSource(FieldBackup, m.Source), backupBlock(m, v, d)...)
	case restore.TypeTimestamp:
		fb.add(FieldTime, timeBlocks(m, v, d)...)
	case restore.TypeTables:
		fb.add(FieldTime, timeBlocks(m, v, d)...)
		fb.add(PerSource(FieldTables, m.Source), tablesFormBlocks(m, v, d)...)
		fb.add(FieldSuffix)
	}
	if v.Type != restore.TypeTables {
		fb.add(PerSource(FieldTarget, m.Source), dispatching(slack.NewInputBlock(PerSource(FieldTarget, m.Source), Plain("Target instance"),
			Plain(targetHint(d.Source)), targetElement(v, d))))
	}
	if v.Target == TargetOriginal && v.Type != restore.TypeTables {
		fb.add(PerSource(FieldConfirm, m.Source), confirmBlocks(m, v, d.Source)...)
	}
}

func dispatching(ib *slack.InputBlock) *slack.InputBlock {
	ib.DispatchAction = true
	return ib
}

// sourceElement lists every instance, or searches them through
// block_suggestion when there are more than a static select can hold.
func sourceElement(v FormValues, d FormData) slack.BlockElement {
	var initial *slack.OptionBlockObject
	if v.Source != "" {
		in := d.Source
		if in.ID != v.Source {
			in = restore.Instance{ID: v.Source}
		}
		initial = InstanceOption(in)
	}
	if len(d.Instances) > MaxOptions {
		return externalSelect(FieldSource, "Search by name or ID", initial)
	}
	opts := make([]*slack.OptionBlockObject, len(d.Instances))
	for i, in := range d.Instances {
		opts[i] = InstanceOption(in)
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose an instance"), FieldSource, opts...)
	sel.InitialOption = initial
	return sel
}

func externalSelect(actionID, placeholder string, initial *slack.OptionBlockObject) *slack.SelectBlockElement {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, Plain(placeholder), actionID)
	minQuery := 0 // list the first matches as soon as the menu opens
	sel.MinQueryLength = &minQuery
	sel.InitialOption = initial
	return sel
}

// InstanceOption shows an instance as its name, the tail of its ID, its
// engine version and its status.
func InstanceOption(in restore.Instance) *slack.OptionBlockObject {
	name := in.Name
	if name == "" {
		name = in.ID
	}
	parts := []string{Truncate(name, 36), "…" + tail(in.ID, 8)}
	if in.DatastoreVersion != "" {
		parts = append(parts, in.DatastoreVersion)
	}
	if in.Status != "" {
		parts = append(parts, in.Status)
	}
	return slack.NewOptionBlockObject(in.ID, Plain(Truncate(strings.Join(parts, " · "), 75)), nil)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

func typeElement(typ string) *slack.RadioButtonsBlockElement {
	backup := slack.NewOptionBlockObject(restore.TypeBackup, Plain("From a backup"), Plain("One of the source's completed backups"))
	pitr := slack.NewOptionBlockObject(restore.TypeTimestamp, Plain("To a point in time"), Plain("Any moment inside the source's restorable window"))
	tables := slack.NewOptionBlockObject(restore.TypeTables, Plain("Tables at a point in time"),
		Plain("Into the source under new names; nothing existing changes"))
	el := slack.NewRadioButtonsBlockElement(FieldType, backup, pitr, tables)
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

func backupBlock(m FormMeta, v FormValues, d FormData) []slack.Block {
	if len(d.Backups) == 0 {
		if d.LoadErr != "" {
			return nil
		}
		return []slack.Block{slack.NewSectionBlock(Mrkdwn(Truncate(":information_source: "+instanceLabel(d.Source.Name, v.Source)+
			" has no completed backup. Choose a point in time instead.", 3000)), nil, nil)}
	}
	loc := m.Location()
	backups := d.Backups[:min(len(d.Backups), MaxOptions)]
	opts := make([]*slack.OptionBlockObject, len(backups))
	var initial *slack.OptionBlockObject
	for i, bk := range backups {
		opts[i] = backupOption(bk, loc)
		if bk.ID == v.Backup {
			initial = opts[i]
		}
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose a backup"), FieldBackup, opts...)
	sel.InitialOption = initial
	hint := fmt.Sprintf("Completed backups of the source, newest first, in your time zone (%s).", loc)
	return []slack.Block{slack.NewInputBlock(PerSource(FieldBackup, m.Source), Plain("Backup"), Plain(hint), sel)}
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
	return slack.NewOptionBlockObject(b.ID, Plain(Truncate(strings.Join(parts, " · "), 75)), nil)
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
func timeBlocks(m FormMeta, v FormValues, d FormData) []slack.Block {
	picker := slack.NewDateTimePickerBlockElement(FieldTime)
	picker.InitialDateTime = v.Time
	out := []slack.Block{dispatching(slack.NewInputBlock(FieldTime, Plain("Point in time"), Plain(windowsHint(d.Windows, m.Location())), picker))}
	if v.Time == 0 {
		return out
	}
	t := time.Unix(v.Time, 0).UTC()
	where := ""
	switch {
	case len(d.Windows) == 0:
	case inWindows(d.Windows, t):
		where = "\n:white_check_mark: Inside the restorable window."
	default:
		where = "\n:warning: Outside every restorable window: choose a time inside one."
	}
	zone := m.TZ
	if zone == "" {
		zone = "UTC"
	}
	return append(out, slack.NewContextBlock("", Mrkdwn("*Restore to:* "+formatInstant(t, zone)+where)))
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
func targetElement(v FormValues, d FormData) slack.BlockElement {
	name := d.Source.Name
	if name == "" {
		name = v.Source
	}
	original := slack.NewOptionBlockObject(TargetOriginal, Plain(Truncate("The original instance (overwrite) · "+name, 75)), nil)
	var initial *slack.OptionBlockObject
	if v.Target == TargetOriginal {
		initial = original
	}
	fresh := NewInstanceOption()
	if v.Target == TargetNew {
		initial = fresh
	}
	opts := []*slack.OptionBlockObject{fresh, original}
	for _, in := range d.Targets {
		o := InstanceOption(in)
		if in.ID == v.Target {
			initial = o
		}
		opts = append(opts, o)
	}
	if initial == nil && v.Target != "" {
		// The person's choice is no longer eligible (GaussDB just refused
		// it): keep it, with its state, next to the problem shown under it.
		kept := restore.Instance{ID: v.Target}
		for _, in := range d.Instances {
			if in.ID == v.Target {
				kept = in
			}
		}
		initial = InstanceOption(kept)
		opts = append(opts, initial)
	}
	if len(opts) > MaxOptions {
		return externalSelect(FieldTarget, "Search by name or ID", initial)
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, Plain("Choose where to restore to"), FieldTarget, opts...)
	sel.InitialOption = initial
	return sel
}

// confirmBlocks warn that the source is overwritten and ask for its name.
func confirmBlocks(m FormMeta, v FormValues, source restore.Instance) []slack.Block {
	name := m.SourceName
	if name == "" {
		name = v.Source
	}
	warn := slack.NewSectionBlock(Mrkdwn(Truncate(fmt.Sprintf(
		":warning: *Restore to the original instance:* this overwrites the current data of %s. The instance is unavailable while it restores.",
		instanceLabel(Truncate(source.Name, 100), v.Source)), 3000)), nil, nil)
	in := slack.NewPlainTextInputBlockElement(nil, FieldConfirm)
	in.InitialValue = Truncate(v.Confirm, 255)
	label := Truncate("Type "+name+" to confirm the overwrite", 2000)
	return []slack.Block{warn, slack.NewInputBlock(PerSource(FieldConfirm, m.Source), Plain(label), nil, in)}
}

// noteView is a form state without inputs: loading, checking, done, or a
// problem that stops the form.
func noteView(title, closeText, text string, context ...string) slack.ModalViewRequest {
	b := []slack.Block{slack.NewSectionBlock(Mrkdwn(Truncate(text, 3000)), nil, nil)}
	for _, c := range context {
		b = append(b, slack.NewContextBlock("", Mrkdwn(Truncate(c, 3000))))
	}
	return slack.ModalViewRequest{Type: slack.VTModal, Title: Plain(title), Close: Plain(closeText), Blocks: slack.Blocks{BlockSet: b}}
}

func LoadingView() slack.ModalViewRequest {
	return noteView(formTitle, "Cancel", ":hourglass_flowing_sand: Loading your GaussDB instances…")
}

func CheckingView() slack.ModalViewRequest {
	return noteView(formTitle, "Close", ":hourglass_flowing_sand: Checking your request with GaussDB…",
		"This takes a few seconds. If anything needs changing, the form comes back with your entries.")
}

func DoneView(r approvals.Request) slack.ModalViewRequest {
	return noteView("Restore requested", "Done",
		fmt.Sprintf(":inbox_tray: Request `%s` is waiting for approval in <#%s>.\n%s", r.ID, r.Channel, whatLine(r)),
		fmt.Sprintf("`/db-restore status %s` shows where it stands; `/db-restore cancel %s` withdraws it.", r.ID, r.ID))
}

// FailedView says why the form could not be shown, and how to ask anyway.
func FailedView(words string) slack.ModalViewRequest {
	return noteView(formTitle, "Close", words,
		"Try again in a minute, or type the request: `/db-restore source=NAME backup=BACKUP_ID reason=\"…\"` (`/db-restore help` shows every form).")
}

// newInstanceOption is the target "a new instance": a pay-per-use copy of
// the source's size and network, deleted after its lifetime.
func NewInstanceOption() *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(TargetNew, Plain("A new instance (a copy of the source's size and network)"), nil)
}
