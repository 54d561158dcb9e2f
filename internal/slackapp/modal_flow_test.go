package slackapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// fakeCatalog serves the fixtures and counts calls. With gate set,
// ListInstances waits for it to close: a slow cloud.
type fakeCatalog struct {
	instances []restore.Instance
	backups   []restore.Backup
	windows   []restore.Window
	cases     map[string]string // default "1"
	gate      chan struct{}

	mu    sync.Mutex
	calls map[string]int
}

func (f *fakeCatalog) count(m string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[m]++
}

func (f *fakeCatalog) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeCatalog) ListInstances(ctx context.Context) ([]restore.Instance, error) {
	f.count("ListInstances")
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.instances, nil
}

func (f *fakeCatalog) Backups(_ context.Context, id string, _ int) ([]restore.Backup, error) {
	f.count("Backups")
	var out []restore.Backup
	for _, b := range f.backups {
		if b.InstanceID == id {
			out = append(out, b)
		}
	}
	return out, nil
}

func (f *fakeCatalog) RestoreWindows(context.Context, string) ([]restore.Window, error) {
	f.count("RestoreWindows")
	return f.windows, nil
}

func (f *fakeCatalog) CaseSensitivity(_ context.Context, id string) (string, error) {
	f.count("CaseSensitivity")
	if v, ok := f.cases[id]; ok {
		return v, nil
	}
	return "1", nil
}

func fixtureCatalog() *fakeCatalog {
	return &fakeCatalog{instances: fixtureInstances, backups: fixtureBackups, windows: fixtureWindows,
		cases: map[string]string{caseID: "0"}}
}

// refusingValidator refuses every request with err.
type refusingValidator struct{ err error }

func (v refusingValidator) Validate(context.Context, restore.Spec) (restore.Plan, error) {
	return restore.Plan{}, v.err
}
func (v refusingValidator) Recheck(context.Context, restore.Plan) error { return nil }

// newFormApp builds an app against the fake Slack, whose clock is formNow.
func newFormApp(t *testing.T, cat Catalog, v intake.Validator) (*App, *slacktest.Server) {
	t.Helper()
	fake := slacktest.New(t, slacktest.Options{})
	for _, u := range []slacktest.User{{ID: "UREQ0001", TZ: "Asia/Shanghai"}, {ID: "UNYC0001", TZ: "America/New_York"}} {
		if err := fake.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if v == nil {
		v = refusingValidator{err: fmt.Errorf("no validation in this test")}
	}
	now := func() time.Time { return formNow }
	rdb, prefix := redistest.New(t)
	tables, _ := cat.(TableCatalog) // botrun passes the same client as both
	a, err := New(withDefaults(t, Options{
		Log: zerolog.Nop(), API: slack.New("xoxb-fake-bot-token", slack.OptionAPIURL(fake.APIURL())),
		Store: approvals.NewStore(rdb, prefix, now), Catalog: cat, Tables: tables, Now: now,
	}, v, true))
	if err != nil {
		t.Fatal(err)
	}
	if !a.claimPolicy(context.Background()) { // as Run does first
		t.Fatal("the policy record could not be claimed")
	}
	return a, fake
}

// openForm runs the open job against the fake with a fresh trigger.
func openForm(t *testing.T, a *App, fake *slacktest.Server, user string) {
	t.Helper()
	trig := fake.IssueTrigger(user)
	ack, job := a.routeOpen(slack.SlashCommand{UserID: user, ChannelID: "C0OPS0001", TriggerID: trig})
	if ack != nil || job == nil {
		t.Fatalf("routeOpen: ack %v, job %v", ack, job != nil)
	}
	job(context.Background())
}

func waitView(t *testing.T, fake *slacktest.Server, what string, cond func(slacktest.View) bool) slacktest.View {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var found slacktest.View
	err := fake.WaitFor(ctx, func() bool {
		for _, v := range fake.Views() {
			if cond(v) {
				found = v
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; views: %+v", what, err, fake.Views())
	}
	return found
}

func TestOpenFormNeverWaitsForTheCloud(t *testing.T) {
	cat := fixtureCatalog()
	cat.gate = make(chan struct{})
	a, fake := newFormApp(t, cat, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		openForm(t, a, fake, "UREQ0001")
	}()
	// The modal is open, loading, while the instance list is still on its way.
	loading := waitView(t, fake, "the loading view", func(v slacktest.View) bool { return v.Open })
	if !strings.Contains(string(loading.Blocks), "Loading") || loading.Updates != 0 {
		t.Fatalf("first view: %s", loading.Blocks)
	}
	close(cat.gate)
	<-done
	filled, _ := fake.View(loading.ID)
	if filled.Updates != 1 || filled.CallbackID != slackview.FormCallback || !strings.Contains(string(filled.Blocks), "orders-prod") {
		t.Fatalf("the loading view should be replaced by the form: %+v", filled)
	}
	if !strings.Contains(filled.PrivateMetadata, `"c":"C0OPS0001"`) || !strings.Contains(filled.PrivateMetadata, `"u":"UREQ0001"`) {
		t.Errorf("metadata should carry the channel and the requester: %s", filled.PrivateMetadata)
	}

	// With the list in memory, the next form opens complete at once.
	openForm(t, a, fake, "UNYC0001")
	views := fake.Views()
	second := views[len(views)-1]
	if second.Updates != 0 || second.CallbackID != slackview.FormCallback {
		t.Errorf("second open: %+v", second)
	}
	if n := len(fake.Violations()); n != 0 {
		t.Errorf("violations: %q", fake.Violations())
	}
}

func TestOpenWithoutCatalogExplains(t *testing.T) {
	a, fake := newFormApp(t, nil, nil)
	ack, job := a.routeOpen(slack.SlashCommand{UserID: "UREQ0001", ChannelID: "C0OPS0001", TriggerID: "x"})
	if job != nil || !strings.Contains(mustString(t, ack), "without cloud credentials") {
		t.Errorf("got %v", ack)
	}
	if n := len(fake.Calls("")); n != 0 {
		t.Errorf("%d Slack calls", n)
	}
}

// change is the block_actions payload of one change inside the open form.
func change(v slacktest.View, user, actionID, ts string, act slack.BlockAction, state map[string]map[string]slack.BlockAction) slack.InteractionCallback {
	act.ActionID, act.ActionTs = actionID, ts
	var blocks slack.Blocks
	_ = json.Unmarshal(v.Blocks, &blocks)
	return slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user},
		View: slack.View{ID: v.ID, Hash: v.Hash, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata,
			Blocks: blocks, State: &slack.ViewState{Values: state}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{&act}},
	}
}

func TestFormChangesKeepEntriesAndOrder(t *testing.T) {
	a, fake := newFormApp(t, fixtureCatalog(), nil)
	openForm(t, a, fake, "UREQ0001")
	v0 := fake.Views()[0]
	state := map[string]map[string]slack.BlockAction{
		slackview.FieldReason: {slackview.FieldReason: {Value: "typed before choosing"}},
		slackview.FieldType:   {slackview.FieldType: {SelectedOption: slack.OptionBlockObject{Value: restore.TypeBackup}}},
	}
	// Two changes made quickly, both on the view as it was (hash v0.Hash):
	// choose the source, then switch to a point in time.
	first := change(v0, "UREQ0001", slackview.FieldSource, "1764158400.000100", slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: srcID}}, state)
	state2 := map[string]map[string]slack.BlockAction{
		slackview.FieldReason: state[slackview.FieldReason], slackview.FieldSource: {slackview.FieldSource: {SelectedOption: slack.OptionBlockObject{Value: srcID}}},
	}
	second := change(v0, "UREQ0001", slackview.FieldType, "1764158400.000200", slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: restore.TypeTimestamp}}, state2)

	_, job1 := a.routeModalAction(first)
	_, job2 := a.routeModalAction(second)
	job1(context.Background())
	job2(context.Background()) // hash conflict with job1's update: retried with the newest hash
	got, _ := fake.View(v0.ID)
	s := string(got.Blocks)
	if got.Updates != v0.Updates+2 || !strings.Contains(s, `"type":"datetimepicker"`) || !strings.Contains(s, "typed before choosing") ||
		!strings.Contains(s, `"block_id":"target.`+srcID) {
		t.Fatalf("after both changes: %d updates, blocks %s", got.Updates, s)
	}
	if !strings.Contains(got.PrivateMetadata, `"z":"Asia/Shanghai"`) || !strings.Contains(got.PrivateMetadata, `"s":"`+srcID) {
		t.Errorf("metadata: %s", got.PrivateMetadata)
	}
	if !strings.Contains(s, "Restorable (your time zone, Asia/Shanghai)") {
		t.Errorf("the restorable window should be shown in the requester's zone: %s", s)
	}

	conflicts := 0
	for _, c := range fake.Calls("views.update") {
		if c.Error == "hash_conflict" {
			conflicts++
		}
	}
	if conflicts != 1 {
		t.Errorf("got %d hash conflicts, want the second change to meet (and survive) one", conflicts)
	}

	// A change older than one already drawn is dropped.
	_, stale := a.routeModalAction(change(v0, "UREQ0001", slackview.FieldType, "1764158400.000150",
		slack.BlockAction{SelectedOption: slack.OptionBlockObject{Value: restore.TypeBackup}}, state2))
	stale(context.Background())
	if after, _ := fake.View(v0.ID); after.Updates != v0.Updates+2 {
		t.Errorf("a stale change was drawn: %d updates", after.Updates)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("violations: %q", v)
	}
}

func TestRefusalBringsTheFormBack(t *testing.T) {
	refusal := &restore.FieldError{Field: restore.FieldTarget, Problem: "target orders-restore is REBOOTING", Accepted: "an instance whose status is ACTIVE"}
	a, fake := newFormApp(t, fixtureCatalog(), refusingValidator{err: refusal})
	openForm(t, a, fake, "UREQ0001")
	v0 := fake.Views()[0]
	v := validForm()
	a.onFormSubmit(context.Background(), formSubmission{viewID: v0.ID, user: "UREQ0001", meta: sourceMeta(), values: v})
	got, _ := fake.View(v0.ID)
	s := unescapeJSON(string(got.Blocks))
	for _, want := range []string{"Not requested", "target orders-restore is REBOOTING", `"initial_value":"recover rows"`,
		`"initial_value":"INC-1"`, `"initial_option":{"text":{"type":"plain_text","text":"2026-11-25 18:00 CST`} {
		if !strings.Contains(s, want) {
			t.Errorf("the form should come back with %q: %s", want, s)
		}
	}
	// The problem sits right under the target field.
	var blocks []map[string]any
	_ = json.Unmarshal(got.Blocks, &blocks)
	for i, b := range blocks {
		if b["block_id"] == slackview.PerSource(slackview.FieldTarget, srcID) {
			next, _ := json.Marshal(blocks[i+1])
			if !strings.Contains(string(next), "REBOOTING") || blocks[i+1]["type"] != "context" {
				t.Errorf("block after the target: %s", next)
			}
		}
	}
	if got.CallbackID != slackview.FormCallback {
		t.Errorf("the form must be submittable again: %+v", got)
	}
}
