package slackview

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/restore"
)

// FormCallback is the callback_id of the request form; the loading,
// checking and done views carry no callback_id and no inputs.
const FormCallback = "restore_request"

// Block and action IDs of the form's fields. The fields whose choices
// depend on the source (backup, target, overwrite confirmation) get the
// source ID appended to their block_id, so that Slack forgets a choice made
// for another source instead of carrying it over.
const (
	FieldSource  = "source"
	FieldType    = "type"
	FieldBackup  = "backup"
	FieldTime    = "time"
	FieldTarget  = "target"
	FieldConfirm = "confirm"
	FieldReason  = "reason"
	FieldTicket  = "ticket"

	// targetOriginal is the target option "the original instance (overwrite)".
	TargetOriginal = "original"
	// targetNew is the target option "a new instance": a restore into an
	// instance created for the request (target=new).
	TargetNew = "new"
)

// PerSource is the block_id of a field that depends on the source.
func PerSource(field, source string) string { return field + "." + source }

// FormMeta is what the form carries in private_metadata: where it was
// opened and by whom, the requester's time zone, and the source the
// dependent fields were last built for.
type FormMeta struct {
	Channel    string `json:"c"`
	Requester  string `json:"u"`
	TZ         string `json:"z,omitempty"`
	Source     string `json:"s,omitempty"`
	SourceName string `json:"n,omitempty"`
	// Origin and Notify come from the "Restore a database…" shortcut: the
	// message's permalink and its channel (see shortcut.go).
	Origin string `json:"o,omitempty"`
	Notify string `json:"nc,omitempty"`
	// TablesAt is the time (Unix seconds) the table choices were read for.
	TablesAt int64 `json:"t,omitempty"`
}

// Encode writes the metadata within Slack's 3000 characters. Only the
// source's name, from the cloud, can be long; without it the form asks to
// confirm an overwrite with the instance ID.
func (m FormMeta) Encode() string {
	b, _ := json.Marshal(m) // strings only: cannot fail
	if utf8.RuneCount(b) > maxMetadata {
		m.SourceName = ""
		b, _ = json.Marshal(m)
	}
	return string(b)
}

// maxMetadata is Slack's limit on private_metadata, in characters.
const maxMetadata = 3000

func DecodeMeta(s string) FormMeta {
	var m FormMeta
	_ = json.Unmarshal([]byte(s), &m) // a bad value leaves fields empty; the checks refuse them
	return m
}

func (m FormMeta) Location() *time.Location {
	if m.TZ == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(m.TZ)
	if err != nil {
		return time.UTC
	}
	return loc
}

// FormValues are the form's fields as the person left them.
type FormValues struct {
	Source  string // instance ID
	Type    string // restore.TypeBackup or restore.TypeTimestamp
	Backup  string // backup ID
	Time    int64  // Unix seconds, as the datetimepicker gives them; 0: none
	Target  string // TargetOriginal or an instance ID
	Confirm string // the instance name typed to confirm an overwrite
	Reason  string
	Ticket  string
	Tables  []string // a table restore: "db.table" or "db.*"
	Suffix  string   // the word in the new table names
}

// ReadValues reads the form's fields from a view's state. Fields that
// depend on the source are read from the blocks built for meta.Source.
func ReadValues(m FormMeta, st *slack.ViewState) FormValues {
	var v FormValues
	if st == nil {
		return v
	}
	get := func(block, action string) (slack.BlockAction, bool) {
		a, ok := st.Values[block][action]
		return a, ok
	}
	if a, ok := get(FieldSource, FieldSource); ok {
		v.Source = a.SelectedOption.Value
	}
	if a, ok := get(FieldType, FieldType); ok {
		v.Type = a.SelectedOption.Value
	}
	if a, ok := get(FieldTime, FieldTime); ok {
		v.Time = a.SelectedDateTime
	}
	if a, ok := get(FieldReason, FieldReason); ok {
		v.Reason = a.Value
	}
	if a, ok := get(FieldTicket, FieldTicket); ok {
		v.Ticket = a.Value
	}
	if a, ok := get(FieldSuffix, FieldSuffix); ok {
		v.Suffix = strings.TrimSpace(a.Value)
	}
	if m.Source == "" {
		return v
	}
	if a, ok := get(PerSource(FieldTables, m.Source), FieldTables); ok {
		for _, o := range a.SelectedOptions {
			v.Tables = append(v.Tables, o.Value)
		}
	}
	if a, ok := get(PerSource(FieldBackup, m.Source), FieldBackup); ok {
		v.Backup = a.SelectedOption.Value
	}
	if a, ok := get(PerSource(FieldTarget, m.Source), FieldTarget); ok {
		v.Target = a.SelectedOption.Value
	}
	if a, ok := get(PerSource(FieldConfirm, m.Source), FieldConfirm); ok {
		v.Confirm = a.Value
	}
	return v
}

// Apply overlays one change the person just made. Slack also puts it in
// the view's state; reading the action itself does not depend on that.
func (v FormValues) Apply(act slack.BlockAction) FormValues {
	switch act.ActionID {
	case FieldSource:
		v.Source = act.SelectedOption.Value
	case FieldType:
		v.Type = act.SelectedOption.Value
	case FieldTime:
		v.Time = act.SelectedDateTime
	case FieldTarget:
		v.Target = act.SelectedOption.Value
	case FieldBackup:
		v.Backup = act.SelectedOption.Value
	case FieldTables:
		v.Tables = nil
		for _, o := range act.SelectedOptions {
			v.Tables = append(v.Tables, o.Value)
		}
	}
	return v
}

// Draft turns the form into the request the text command would build.
// The time goes as epoch milliseconds: the instant picked, whatever the zone.
func (v FormValues) Draft() intake.Draft {
	d := intake.Draft{Source: v.Source, Reason: strings.TrimSpace(v.Reason), Ticket: strings.TrimSpace(v.Ticket)}
	switch v.Target {
	case TargetOriginal:
	case TargetNew:
		d.NewInstance = true
	default:
		d.Target = v.Target
	}
	switch v.Type {
	case restore.TypeBackup:
		d.BackupID = v.Backup
	case restore.TypeTimestamp:
		d.Time = strconv.FormatInt(v.Time*1000, 10)
	case restore.TypeTables:
		d.Time = strconv.FormatInt(v.Time*1000, 10)
		d.Tables, d.Suffix, d.Target = v.Tables, v.Suffix, ""
	}
	return d
}

// CheckForm does every check of a submission that needs no I/O. It returns
// Slack's field errors, keyed by the block_id of an input block of the
// submitted view (inputs); nil means the form may go to GaussDB.
func CheckForm(m FormMeta, v FormValues, inputs map[string]bool, now time.Time) map[string]string {
	errs := map[string]string{}
	sourceName := m.SourceName
	if sourceName == "" {
		sourceName = m.Source
	}
	switch {
	case v.Source == "":
		errs[FieldSource] = "Choose the instance to restore from."
	case v.Source != m.Source:
		errs[FieldSource] = "The form was still loading this instance's backups and targets. Check them and submit again."
	}
	switch v.Type {
	case restore.TypeBackup:
		switch block := PerSource(FieldBackup, m.Source); {
		case v.Backup != "" || m.Source == "":
		case !inputs[block] && !inputs[FieldTime]:
			errs[FieldType] = sourceName + " has no completed backup to restore from; choose a point in time."
		default:
			errs[block] = "Choose one of the source's completed backups."
		}
	case restore.TypeTimestamp, restore.TypeTables:
		t := time.Unix(v.Time, 0)
		switch {
		case v.Time == 0:
			errs[FieldTime] = "Choose the date and time to restore to, inside the restorable window shown."
		case t.After(now):
			errs[FieldTime] = fmt.Sprintf("That is in the future (now is %s). Choose a time inside the restorable window shown.", stamp(now))
		}
	default:
		errs[FieldType] = "Choose a backup, a point in time, or tables at a point in time."
	}
	if v.Type == restore.TypeTables && v.Time != 0 && len(v.Tables) == 0 && m.Source != "" {
		errs[PerSource(FieldTables, m.Source)] = "Choose at least one table (or db.* for every table of a database) that existed at that time."
	}
	if m.Source != "" && v.Type != restore.TypeTables {
		switch {
		case v.Target == "":
			errs[PerSource(FieldTarget, m.Source)] = "Choose where to restore to: the original instance, or another instance listed."
		case v.Target == TargetOriginal && strings.TrimSpace(v.Confirm) != sourceName:
			errs[PerSource(FieldConfirm, m.Source)] = fmt.Sprintf("Type the instance name %s exactly, to confirm that its current data is overwritten.", sourceName)
		}
	}
	if msg := checkFree(v.Reason, command.MaxReasonLen, true, true); msg != "" {
		errs[FieldReason] = msg
	}
	if msg := checkFree(v.Ticket, command.MaxTicketLen, false, false); msg != "" {
		errs[FieldTicket] = msg
	}
	if len(errs) == 0 {
		return nil
	}
	return PlaceErrors(errs, inputs)
}

// PlaceErrors moves an error whose field is not (or no longer) an input of
// the submitted view to one that is: Slack shows a generic error for an
// unknown key. That happens when the person submits before the form has
// caught up with a change.
func PlaceErrors(errs map[string]string, inputs map[string]bool) map[string]string {
	out := map[string]string{}
	moved := false
	for k, msg := range errs {
		if inputs[k] {
			out[k] = msg
		} else {
			moved = true
		}
	}
	if !moved {
		return out
	}
	const updating = "The form was still updating when you submitted. Check the fields and submit again."
	for _, alt := range []string{FieldType, FieldSource, FieldReason} {
		if inputs[alt] {
			if _, taken := out[alt]; !taken {
				out[alt] = updating
			}
			return out
		}
	}
	if len(out) == 0 {
		ids := slices.Sorted(maps.Keys(inputs))
		if len(ids) > 0 {
			out[ids[0]] = updating
		}
	}
	return out
}

// checkFree checks free text as the text command does: a length in
// characters, no control characters except line breaks and tabs where the
// field is multi-line, and no bidirectional overrides.
func checkFree(s string, max int, multiline, required bool) string {
	if required && strings.TrimSpace(s) == "" {
		return "Say why the restore is needed, in a sentence or two."
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("At most %d characters (this has %d); put details in the ticket.", max, n)
	}
	bad := func(r rune) bool {
		if multiline && (r == '\n' || r == '\t') {
			return false
		}
		return unicode.IsControl(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
	}
	if strings.IndexFunc(s, bad) >= 0 {
		if multiline {
			return "Contains a control character; retype it."
		}
		return "One line of plain text, e.g. a ticket URL; it contains a line break or a control character."
	}
	return ""
}

// InputBlockIDs are the block_ids of a view's input blocks: the only keys
// Slack accepts in a response_action errors ack.
func InputBlockIDs(v slack.View) map[string]bool {
	ids := map[string]bool{}
	for _, b := range v.Blocks.BlockSet {
		switch ib := b.(type) {
		case *slack.InputBlock:
			ids[ib.BlockID] = true
		case slack.InputBlock:
			ids[ib.BlockID] = true
		}
	}
	return ids
}

// ProblemField maps a refusal's field to the block_id it is shown under.
func ProblemField(field, source string) string {
	switch field {
	case restore.FieldSource:
		return FieldSource
	case restore.FieldTarget:
		return PerSource(FieldTarget, source)
	case restore.FieldBackup:
		return PerSource(FieldBackup, source)
	case restore.FieldTime:
		return FieldTime
	case restore.FieldTables:
		return PerSource(FieldTables, source)
	case restore.FieldSuffix:
		return FieldSuffix
	case "reason":
		return FieldReason
	}
	return ""
}
