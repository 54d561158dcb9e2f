package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// submitted is a view_submission of the form drawn for (m, v), with the
// state Slack would send for values.
func submitted(m slackview.FormMeta, v slackview.FormValues, d slackview.FormData) slack.InteractionCallback {
	view := slackview.FormView(m, v, d)
	st := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{}}
	set := func(block, action string, a slack.BlockAction) {
		st.Values[block] = map[string]slack.BlockAction{action: a}
	}
	set(slackview.FieldSource, slackview.FieldSource, slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: v.Source}})
	set(slackview.FieldType, slackview.FieldType, slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: v.Type}})
	set(slackview.FieldReason, slackview.FieldReason, slack.BlockAction{Value: v.Reason})
	set(slackview.FieldTicket, slackview.FieldTicket, slack.BlockAction{Value: v.Ticket})
	if v.Type == restore.TypeTimestamp {
		set(slackview.FieldTime, slackview.FieldTime, slack.BlockAction{SelectedDateTime: v.Time})
	}
	if m.Source != "" {
		if v.Type == restore.TypeBackup {
			set(slackview.PerSource(slackview.FieldBackup, m.Source), slackview.FieldBackup, slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: v.Backup}})
		}
		set(slackview.PerSource(slackview.FieldTarget, m.Source), slackview.FieldTarget, slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: v.Target}})
		if v.Target == slackview.TargetOriginal {
			set(slackview.PerSource(slackview.FieldConfirm, m.Source), slackview.FieldConfirm, slack.BlockAction{Value: v.Confirm})
		}
	}
	return slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission,
		User: slack.User{ID: m.Requester},
		View: slack.View{ID: "V0FORM", Hash: "h1", CallbackID: view.CallbackID, PrivateMetadata: view.PrivateMetadata,
			Blocks: view.Blocks, State: st},
	}
}

func validForm() slackview.FormValues {
	return slackview.FormValues{Source: srcID, Type: restore.TypeBackup, Backup: backup1, Target: tgtID, Reason: "recover rows", Ticket: "INC-1"}
}

func TestCheckForm(t *testing.T) {
	future := formNow.Add(time.Minute).Unix()
	past := formNow.Add(-time.Hour).Unix()
	tests := []struct {
		name  string
		meta  slackview.FormMeta
		edit  func(*slackview.FormValues)
		data  func(*slackview.FormData)
		want  map[string]string // block_id → a part of its message
		inOne bool              // at least these keys, with these parts
	}{
		{name: "valid backup restore", edit: func(*slackview.FormValues) {}},
		{name: "valid point in time", edit: func(v *slackview.FormValues) { v.Type, v.Backup, v.Time = restore.TypeTimestamp, "", past }},
		{name: "valid overwrite", edit: func(v *slackview.FormValues) { v.Target, v.Confirm = slackview.TargetOriginal, " orders-prod " }},
		{name: "no source", meta: fixtureMeta, edit: func(v *slackview.FormValues) { *v = slackview.FormValues{Type: restore.TypeBackup, Reason: "r"} },
			want: map[string]string{slackview.FieldSource: "Choose the instance"}},
		{name: "source changed but the form has not caught up", edit: func(v *slackview.FormValues) { v.Source = tgtID },
			want: map[string]string{slackview.FieldSource: "still loading"}},
		{name: "no backup chosen", edit: func(v *slackview.FormValues) { v.Backup = "" },
			want: map[string]string{slackview.PerSource(slackview.FieldBackup, srcID): "Choose one of the source's completed backups"}},
		{name: "source without backups", edit: func(v *slackview.FormValues) { v.Backup = "" }, data: func(d *slackview.FormData) { d.Backups = nil },
			want: map[string]string{slackview.FieldType: "orders-prod has no completed backup"}},
		{name: "no time chosen", edit: func(v *slackview.FormValues) { v.Type, v.Backup = restore.TypeTimestamp, "" },
			want: map[string]string{slackview.FieldTime: "Choose the date and time"}},
		{name: "time in the future", edit: func(v *slackview.FormValues) { v.Type, v.Backup, v.Time = restore.TypeTimestamp, "", future },
			want: map[string]string{slackview.FieldTime: "in the future (now is 2026-11-26 12:00 UTC)"}},
		{name: "no type", edit: func(v *slackview.FormValues) { v.Type = "" }, want: map[string]string{slackview.FieldType: "Choose a backup, a point in time, or tables at a point in time"}},
		{name: "no target", edit: func(v *slackview.FormValues) { v.Target = "" },
			want: map[string]string{slackview.PerSource(slackview.FieldTarget, srcID): "Choose where to restore to"}},
		{name: "overwrite not confirmed", edit: func(v *slackview.FormValues) { v.Target = slackview.TargetOriginal },
			want: map[string]string{slackview.PerSource(slackview.FieldConfirm, srcID): "Type the instance name orders-prod exactly"}},
		{name: "overwrite confirmed with another name", edit: func(v *slackview.FormValues) { v.Target, v.Confirm = slackview.TargetOriginal, "orders-restore" },
			want: map[string]string{slackview.PerSource(slackview.FieldConfirm, srcID): "orders-prod"}},
		{name: "no reason", edit: func(v *slackview.FormValues) { v.Reason = " \n " }, want: map[string]string{slackview.FieldReason: "Say why"}},
		{name: "reason too long", edit: func(v *slackview.FormValues) { v.Reason = strings.Repeat("é", command.MaxReasonLen+1) },
			want: map[string]string{slackview.FieldReason: "At most 500 characters (this has 501)"}},
		{name: "reason with a bidi override", edit: func(v *slackview.FormValues) { v.Reason = "fix \u202e" }, want: map[string]string{slackview.FieldReason: "control character"}},
		{name: "multi-line reason", edit: func(v *slackview.FormValues) { v.Reason = "line one\nline two\ttabbed" }},
		{name: "ticket too long", edit: func(v *slackview.FormValues) { v.Ticket = strings.Repeat("t", command.MaxTicketLen+1) },
			want: map[string]string{slackview.FieldTicket: "At most 200 characters"}},
		{name: "ticket with a line break", edit: func(v *slackview.FormValues) { v.Ticket = "INC-1\nINC-2" }, want: map[string]string{slackview.FieldTicket: "line break"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.meta
			if m == (slackview.FormMeta{}) {
				m = sourceMeta()
			}
			v := validForm()
			tt.edit(&v)
			d := sourceData()
			if tt.data != nil {
				tt.data(&d)
			}
			// The view as drawn before the last change: the form for the values
			// with the meta's source.
			drawn := v
			drawn.Source = m.Source
			cb := submitted(m, drawn, d)
			got := slackview.CheckForm(m, v, slackview.InputBlockIDs(cb.View), formNow)
			if len(tt.want) == 0 {
				if got != nil {
					t.Fatalf("got errors %q, want none", got)
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Errorf("got errors %q, want keys %q", got, tt.want)
			}
			ids := slackview.InputBlockIDs(cb.View)
			for k, part := range tt.want {
				if !strings.Contains(got[k], part) {
					t.Errorf("error for %s: got %q, want it to contain %q", k, got[k], part)
				}
				if !ids[k] {
					t.Errorf("error key %s is not an input block of the view", k)
				}
			}
		})
	}
}

func TestPlaceErrorsOnlyUsesInputBlocks(t *testing.T) {
	inputs := map[string]bool{slackview.FieldType: true, slackview.FieldReason: true}
	got := slackview.PlaceErrors(map[string]string{"backup.gone": "x", slackview.FieldReason: "y"}, inputs)
	if len(got) != 2 || !strings.Contains(got[slackview.FieldType], "still updating") || got[slackview.FieldReason] != "y" {
		t.Errorf("got %q", got)
	}
	got = slackview.PlaceErrors(map[string]string{"backup.gone": "x"}, map[string]bool{"ticket": true})
	if len(got) != 1 || got["ticket"] == "" {
		t.Errorf("an error must land on some input block: got %q", got)
	}
}

func TestRouteSubmission(t *testing.T) {
	cat := fixtureCatalog()
	a, fake := newFormApp(t, cat, nil)

	t.Run("field errors come back in the ack", func(t *testing.T) {
		v := validForm()
		v.Reason = ""
		ack, job := a.routeSubmission(submitted(sourceMeta(), v, sourceData()))
		resp, ok := ack.(*slack.ViewSubmissionResponse)
		if !ok || resp.ResponseAction != slack.RAErrors || !strings.Contains(resp.Errors[slackview.FieldReason], "Say why") {
			t.Fatalf("ack: got %#v, want errors for the reason", ack)
		}
		if job != nil {
			t.Error("a refused submission must not start work")
		}
	})
	t.Run("a valid form is acked with the checking view", func(t *testing.T) {
		ack, job := a.routeSubmission(submitted(sourceMeta(), validForm(), sourceData()))
		resp, ok := ack.(*slack.ViewSubmissionResponse)
		if !ok || resp.ResponseAction != slack.RAUpdate || resp.View == nil {
			t.Fatalf("ack: got %#v, want an update", ack)
		}
		raw, _ := json.Marshal(resp)
		if !strings.Contains(string(raw), "Checking your request") {
			t.Errorf("ack view: %s", raw)
		}
		if p := slacktest.CheckView(mustJSON(t, resp.View)); len(p) > 0 {
			t.Errorf("checking view: %q", p)
		}
		if job == nil {
			t.Error("a valid submission must be sent to GaussDB")
		}
	})
	t.Run("another view is closed", func(t *testing.T) {
		ack, job := a.routeSubmission(slack.InteractionCallback{View: slack.View{CallbackID: "something_else"}})
		if ack != nil || job != nil {
			t.Errorf("got %v and a job %v", ack, job != nil)
		}
	})
	if n := len(fake.Calls("")); n != 0 {
		t.Errorf("the ack path called Slack %d times", n)
	}
	if n := cat.total(); n != 0 {
		t.Errorf("the ack path called GaussDB %d times", n)
	}
}

func TestDraftSendsTheInstantPicked(t *testing.T) {
	// The datetimepicker sends an absolute instant: the same wall clock in
	// two zones is two instants, each sent exactly.
	for _, zone := range []string{"Asia/Shanghai", "America/New_York"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustZone(t, zone)
			// Across the end of daylight saving in New York (2026-11-01): the
			// time picked is in EDT while now is EST.
			wall := time.Date(2026, 10, 30, 9, 30, 0, 0, loc)
			v := slackview.FormValues{Source: srcID, Type: restore.TypeTimestamp, Time: wall.Unix(), Reason: "r"}
			d := v.Draft()
			got, err := command.ParseTime(d.Time, mustZone(t, "Pacific/Auckland")) // the zone must not matter
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(wall) || d.Time != strconv.FormatInt(wall.UnixMilli(), 10) {
				t.Errorf("draft time %q = %s, want %s (%d ms)", d.Time, got, wall, wall.UnixMilli())
			}
			m := sourceMeta()
			m.TZ = zone
			b, _ := json.Marshal(slackview.FormView(m, v, sourceData()))
			wantEcho := wall.Format("2006-01-02 15:04:05 MST") + " (" + zone + ")"
			if !strings.Contains(string(b), wantEcho) || !strings.Contains(string(b), wall.UTC().Format("2006-01-02 15:04:05 UTC")) {
				t.Errorf("the form should echo %q and the UTC instant: %s", wantEcho, b)
			}
		})
	}
	if ny := time.Date(2026, 10, 30, 9, 30, 0, 0, mustZone(t, "America/New_York")); ny.Format("MST") != "EDT" {
		t.Fatalf("test premise: %s should be daylight time", ny)
	}
}

func TestRouteSuggestion(t *testing.T) {
	var many []restore.Instance
	for i := 0; i < 250; i++ {
		many = append(many, restore.Instance{ID: fmt.Sprintf("%032xin07", i), Name: fmt.Sprintf("%s-%03d", strings.Repeat("数据库", 20), i),
			Status: "ACTIVE", DatastoreType: "gaussdb-mysql", DatastoreVersion: "8.0"})
	}
	many = append(many, fixtureInstances...)
	cat := fixtureCatalog()
	cat.instances = many
	a, fake := newFormApp(t, cat, nil)
	// Fill the cache as the form's jobs do.
	if _, err := a.forms.cache.Targets(context.Background(), fixtureInstances[2]); err != nil {
		t.Fatal(err)
	}
	before := cat.total()
	meta := sourceMeta()
	suggestAs := func(user, action, query string) []string {
		t.Helper()
		ack := a.routeSuggestion(slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: action, Value: query,
			User: slack.User{ID: user}, View: slack.View{CallbackID: slackview.FormCallback, PrivateMetadata: meta.Encode()}})
		raw := mustJSON(t, ack)
		if len(raw) >= 20*1024 {
			t.Errorf("ack of %d bytes: Slack drops frames of 20 KB", len(raw))
		}
		var r slack.OptionsResponse
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Options) > 100 {
			t.Errorf("%d options, limit 100", len(r.Options))
		}
		var vals []string
		for _, o := range r.Options {
			vals = append(vals, o.Value)
		}
		return vals
	}
	suggest := func(action, query string) []string { return suggestAs(meta.Requester, action, query) }
	if got := suggestAs("UOTHER01", slackview.FieldSource, ""); len(got) != 0 {
		t.Errorf("someone else's search in the requester's form: got %d options, want none", len(got))
	}
	if got := suggest(slackview.FieldSource, ""); len(got) == 0 || len(got) > 100 {
		t.Errorf("empty search: got %d options", len(got))
	}
	if got := suggest(slackview.FieldSource, "ORDERS prod"); len(got) != 1 || got[0] != srcID {
		t.Errorf("search by name: got %q", got)
	}
	if got := suggest(slackview.FieldSource, "ab0002"); len(got) != 1 || got[0] != tgtID {
		t.Errorf("search by ID: got %q", got)
	}
	got := suggest(slackview.FieldTarget, "")
	if len(got) < 2 || got[0] != slackview.TargetNew || got[1] != slackview.TargetOriginal {
		t.Fatalf("target search: got %q, want a new instance, then the original instance, first", got)
	}
	for _, id := range got[2:] {
		if id == srcID || id == oldID || id == busyID || id == caseID {
			t.Errorf("target search offers %s, which the API refuses", id)
		}
	}
	if got := suggest(slackview.FieldTarget, "orders-restore"); len(got) != 3 || got[2] != tgtID {
		t.Errorf("target search by name: got %q", got)
	}
	if n := cat.total() - before; n != 0 {
		t.Errorf("suggestions called GaussDB %d times", n)
	}
	if n := len(fake.Calls("")); n != 0 {
		t.Errorf("suggestions called Slack %d times", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustString(t *testing.T, v any) string {
	t.Helper()
	return string(mustJSON(t, v))
}
