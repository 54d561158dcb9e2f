package slackapp

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

// formCallback is the callback_id of the request form; the loading,
// checking and done views carry no callback_id and no inputs.
const formCallback = "restore_request"

// Block and action IDs of the form's fields. The fields whose choices
// depend on the source (backup, target, overwrite confirmation) get the
// source ID appended to their block_id, so that Slack forgets a choice made
// for another source instead of carrying it over.
const (
	fieldSource  = "source"
	fieldType    = "type"
	fieldBackup  = "backup"
	fieldTime    = "time"
	fieldTarget  = "target"
	fieldConfirm = "confirm"
	fieldReason  = "reason"
	fieldTicket  = "ticket"

	// targetOriginal is the target option "the original instance (overwrite)".
	targetOriginal = "original"
	// targetNew is the target option "a new instance": a restore into an
	// instance created for the request (target=new).
	targetNew = "new"
)

// perSource is the block_id of a field that depends on the source.
func perSource(field, source string) string { return field + "." + source }

// formMeta is what the form carries in private_metadata: where it was
// opened and by whom, the requester's time zone, and the source the
// dependent fields were last built for.
type formMeta struct {
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

// encode writes the metadata within Slack's 3000 characters. Only the
// source's name, from the cloud, can be long; without it the form asks to
// confirm an overwrite with the instance ID.
func (m formMeta) encode() string {
	b, _ := json.Marshal(m) // strings only: cannot fail
	if utf8.RuneCount(b) > maxMetadata {
		m.SourceName = ""
		b, _ = json.Marshal(m)
	}
	return string(b)
}

// maxMetadata is Slack's limit on private_metadata, in characters.
const maxMetadata = 3000

func decodeMeta(s string) formMeta {
	var m formMeta
	_ = json.Unmarshal([]byte(s), &m) // a bad value leaves fields empty; the checks refuse them
	return m
}

func (m formMeta) location() *time.Location {
	if m.TZ == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(m.TZ)
	if err != nil {
		return time.UTC
	}
	return loc
}

// formValues are the form's fields as the person left them.
type formValues struct {
	Source  string // instance ID
	Type    string // restore.TypeBackup or restore.TypeTimestamp
	Backup  string // backup ID
	Time    int64  // Unix seconds, as the datetimepicker gives them; 0: none
	Target  string // targetOriginal or an instance ID
	Confirm string // the instance name typed to confirm an overwrite
	Reason  string
	Ticket  string
	Tables  []string // a table restore: "db.table" or "db.*"
	Suffix  string   // the word in the new table names
}

// readValues reads the form's fields from a view's state. Fields that
// depend on the source are read from the blocks built for meta.Source.
func readValues(m formMeta, st *slack.ViewState) formValues {
	var v formValues
	if st == nil {
		return v
	}
	get := func(block, action string) (slack.BlockAction, bool) {
		a, ok := st.Values[block][action]
		return a, ok
	}
	if a, ok := get(fieldSource, fieldSource); ok {
		v.Source = a.SelectedOption.Value
	}
	if a, ok := get(fieldType, fieldType); ok {
		v.Type = a.SelectedOption.Value
	}
	if a, ok := get(fieldTime, fieldTime); ok {
		v.Time = a.SelectedDateTime
	}
	if a, ok := get(fieldReason, fieldReason); ok {
		v.Reason = a.Value
	}
	if a, ok := get(fieldTicket, fieldTicket); ok {
		v.Ticket = a.Value
	}
	if a, ok := get(fieldSuffix, fieldSuffix); ok {
		v.Suffix = strings.TrimSpace(a.Value)
	}
	if m.Source == "" {
		return v
	}
	if a, ok := get(perSource(fieldTables, m.Source), fieldTables); ok {
		for _, o := range a.SelectedOptions {
			v.Tables = append(v.Tables, o.Value)
		}
	}
	if a, ok := get(perSource(fieldBackup, m.Source), fieldBackup); ok {
		v.Backup = a.SelectedOption.Value
	}
	if a, ok := get(perSource(fieldTarget, m.Source), fieldTarget); ok {
		v.Target = a.SelectedOption.Value
	}
	if a, ok := get(perSource(fieldConfirm, m.Source), fieldConfirm); ok {
		v.Confirm = a.Value
	}
	return v
}

// apply overlays one change the person just made. Slack also puts it in
// the view's state; reading the action itself does not depend on that.
func (v formValues) apply(act slack.BlockAction) formValues {
	switch act.ActionID {
	case fieldSource:
		v.Source = act.SelectedOption.Value
	case fieldType:
		v.Type = act.SelectedOption.Value
	case fieldTime:
		v.Time = act.SelectedDateTime
	case fieldTarget:
		v.Target = act.SelectedOption.Value
	case fieldBackup:
		v.Backup = act.SelectedOption.Value
	case fieldTables:
		v.Tables = nil
		for _, o := range act.SelectedOptions {
			v.Tables = append(v.Tables, o.Value)
		}
	}
	return v
}

// draft turns the form into the request the text command would build.
// The time goes as epoch milliseconds: the instant picked, whatever the zone.
func (v formValues) draft() intake.Draft {
	d := intake.Draft{Source: v.Source, Reason: strings.TrimSpace(v.Reason), Ticket: strings.TrimSpace(v.Ticket)}
	switch v.Target {
	case targetOriginal:
	case targetNew:
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

// checkForm does every check of a submission that needs no I/O. It returns
// Slack's field errors, keyed by the block_id of an input block of the
// submitted view (inputs); nil means the form may go to GaussDB.
func checkForm(m formMeta, v formValues, inputs map[string]bool, now time.Time) map[string]string {
	errs := map[string]string{}
	sourceName := m.SourceName
	if sourceName == "" {
		sourceName = m.Source
	}
	switch {
	case v.Source == "":
		errs[fieldSource] = "Choose the instance to restore from."
	case v.Source != m.Source:
		errs[fieldSource] = "The form was still loading this instance's backups and targets. Check them and submit again."
	}
	switch v.Type {
	case restore.TypeBackup:
		switch block := perSource(fieldBackup, m.Source); {
		case v.Backup != "" || m.Source == "":
		case !inputs[block] && !inputs[fieldTime]:
			errs[fieldType] = sourceName + " has no completed backup to restore from; choose a point in time."
		default:
			errs[block] = "Choose one of the source's completed backups."
		}
	case restore.TypeTimestamp, restore.TypeTables:
		t := time.Unix(v.Time, 0)
		switch {
		case v.Time == 0:
			errs[fieldTime] = "Choose the date and time to restore to, inside the restorable window shown."
		case t.After(now):
			errs[fieldTime] = fmt.Sprintf("That is in the future (now is %s). Choose a time inside the restorable window shown.", stamp(now))
		}
	default:
		errs[fieldType] = "Choose a backup, a point in time, or tables at a point in time."
	}
	if v.Type == restore.TypeTables && v.Time != 0 && len(v.Tables) == 0 && m.Source != "" {
		errs[perSource(fieldTables, m.Source)] = "Choose at least one table (or db.* for every table of a database) that existed at that time."
	}
	if m.Source != "" && v.Type != restore.TypeTables {
		switch {
		case v.Target == "":
			errs[perSource(fieldTarget, m.Source)] = "Choose where to restore to: the original instance, or another instance listed."
		case v.Target == targetOriginal && strings.TrimSpace(v.Confirm) != sourceName:
			errs[perSource(fieldConfirm, m.Source)] = fmt.Sprintf("Type the instance name %s exactly, to confirm that its current data is overwritten.", sourceName)
		}
	}
	if msg := checkFree(v.Reason, command.MaxReasonLen, true, true); msg != "" {
		errs[fieldReason] = msg
	}
	if msg := checkFree(v.Ticket, command.MaxTicketLen, false, false); msg != "" {
		errs[fieldTicket] = msg
	}
	if len(errs) == 0 {
		return nil
	}
	return placeErrors(errs, inputs)
}

// placeErrors moves an error whose field is not (or no longer) an input of
// the submitted view to one that is: Slack shows a generic error for an
// unknown key. That happens when the person submits before the form has
// caught up with a change.
func placeErrors(errs map[string]string, inputs map[string]bool) map[string]string {
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
	for _, alt := range []string{fieldType, fieldSource, fieldReason} {
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

// inputBlockIDs are the block_ids of a view's input blocks: the only keys
// Slack accepts in a response_action errors ack.
func inputBlockIDs(v slack.View) map[string]bool {
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

// problemField maps a refusal's field to the block_id it is shown under.
func problemField(field, source string) string {
	switch field {
	case restore.FieldSource:
		return fieldSource
	case restore.FieldTarget:
		return perSource(fieldTarget, source)
	case restore.FieldBackup:
		return perSource(fieldBackup, source)
	case restore.FieldTime:
		return fieldTime
	case restore.FieldTables:
		return perSource(fieldTables, source)
	case restore.FieldSuffix:
		return fieldSuffix
	case "reason":
		return fieldReason
	}
	return ""
}
