package slackview

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

var eventNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// eventRequest is a request in state st as execution reports it; a cloud
// string carries Slack control characters, which must come out escaped.
func eventRequest(st approvals.State, tables bool) approvals.Request {
	r := approvals.Request{
		ID: "R7K2Q", State: st, Requester: "UREQ0001", Reason: "bad migration",
		Params: approvals.Params{SourceID: "src-1", SourceName: "orders-prod", TargetID: "tgt-1", TargetName: "orders-restore",
			Type: approvals.TypeTimestamp, RestoreTimeMs: eventNow.Add(-2 * time.Hour).UnixMilli()},
		Rule:      approvals.Rule{Name: "default", Approvers: []string{"UAPP0001", "SDBA0001"}, RequiredApprovals: 2, IncidentChannel: "C0INCID01"},
		Channel:   "C0APPR001",
		MessageTS: "1700000000.000100",
		CreatedAt: eventNow.Add(-time.Hour), ExpiresAt: eventNow.Add(-30 * time.Minute), UpdatedAt: eventNow,
		Approvals: []approvals.Approval{{User: "UAPP0001", At: eventNow.Add(-50 * time.Minute)}, {User: "UGRP0001", At: eventNow.Add(-49 * time.Minute)}},
		JobID:     "job-1", SubmittedAt: eventNow.Add(-48 * time.Minute), Detail: "GaussDB said <!channel>",
		Estimate: &approvals.Estimate{Duration: 20 * time.Minute, Basis: "the median of 3 earlier restores"},
	}
	if tables {
		r.Params.TargetID, r.Params.TargetName, r.Params.Type = "src-1", "orders-prod", approvals.TypeTables
		r.Params.Tables = []approvals.TableRename{{Database: "shop", OldName: "orders", NewName: "orders_r_202612021000", Live: true},
			{Database: "shop", OldName: "carts", NewName: "carts_r_202612021000"}}
	}
	r.ParamHash = r.Params.Hash()
	return r
}

type eventSample struct {
	req approvals.Request
	ev  execution.Event
}

// eventSamples has at least one sample of every execution.Event.
func eventSamples() map[string]eventSample {
	ex, sub, done := eventRequest(approvals.StateExecuting, false), eventRequest(approvals.StateSubmitted, false), eventRequest(approvals.StateCompleted, false)
	failed, unknown := eventRequest(approvals.StateFailed, false), eventRequest(approvals.StateUnknown, false)
	return map[string]eventSample{
		"approved":               {ex, execution.Approved{}},
		"safety_backup_skipped":  {ex, execution.SafetyBackupSkipped{Name: "db-restore-R7K2Q-safety"}},
		"safety_backup_started":  {ex, execution.SafetyBackupStarted{BackupID: "bk-<1>", JobID: "job-b"}},
		"safety_backup_taken":    {ex, execution.SafetyBackupTaken{BackupID: "bk-1", Undo: `/db-restore source=tgt-1 backup=bk-1 reason="undo restore R7K2Q"`}},
		"submitted":              {sub, execution.Submitted{JobID: "job-<1>"}},
		"dry_run":                {eventRequest(approvals.StateDryRun, false), execution.DryRun{Call: `dry run: POST /v3/{project_id}/instances/restore {"a":"<b>"}`}},
		"not_called":             {failed, execution.NotCalled{Why: "re-check before the restore failed, so it was not called: window <gone>"}},
		"refused":                {failed, execution.Refused{Status: 400, Code: "DBS.1", Message: "bad", Detail: "GaussDB refused the restore: DBS.1 bad (HTTP 400)"}},
		"not_sent":               {failed, execution.NotSent{Detail: "the restore call could not be sent, so nothing was restored: dial refused"}},
		"outcome_unknown":        {unknown, execution.OutcomeUnknown{Detail: "the restore call did not give a clear answer (timeout); it was NOT retried"}},
		"not_durable":            {failed, execution.NotDurable{}},
		"stopped":                {failed, execution.Stopped{Why: "restores are frozen <now>"}},
		"job_overdue":            {sub, execution.JobOverdue{JobID: "job-1", Running: 6*time.Hour + 40*time.Second, Limit: 6 * time.Hour}},
		"completed":              {done, execution.Completed{JobID: "job-1", Took: 48*time.Minute + 3*time.Second, Timed: true, At: eventNow}},
		"completed_untimed":      {done, execution.Completed{JobID: "job-1", At: eventNow}},
		"completed_tables":       {eventRequest(approvals.StateCompleted, true), execution.Completed{JobID: "job-1", Took: 9 * time.Minute, Timed: true, At: eventNow}},
		"job_failed":             {failed, execution.JobFailed{JobID: "job-1", Status: "Failed", Reason: "disk full"}},
		"late_answer_job":        {sub, execution.LateAnswer{JobID: "job-<2>"}},
		"late_answer_refused":    {failed, execution.LateAnswer{Refused: "GaussDB refused the restore: DBS.1 <bad>"}},
		"contradiction_attached": {sub, execution.Contradiction{JobID: "job-2", Attached: "job-1", State: approvals.StateSubmitted}},
		"contradiction_ended":    {failed, execution.Contradiction{State: approvals.StateFailed}},
		"reconciled":             {sub, execution.Reconciled{JobID: "job-1", Status: "Running", Created: eventNow.Add(-47 * time.Minute)}},
		"reconcile_gave_up":      {failed, execution.ReconcileGaveUp{Within: 10 * time.Minute, Called: eventNow.Add(-11 * time.Minute)}},
		"reconcile_gave_up_passed": {unknown, execution.ReconcileGaveUp{Within: 10 * time.Minute, Called: eventNow.Add(-11 * time.Minute), Passed: []execution.JobSeen{
			{ID: "job-<1>", Name: "RestoreInstance", Status: "Running", InstanceID: "tgt-1", Created: eventNow.Add(-10 * time.Minute), Why: execution.JobOtherRequest, Owner: "B0TH3R"},
			{ID: "job-0", Name: "RestoreTable", Status: "Completed", InstanceID: "tgt-1", Created: eventNow.Add(-12 * time.Minute), Why: execution.JobBeforeCall}}}},
		"reconcile_unclear": {unknown, execution.ReconcileUnclear{Called: eventNow.Add(-3 * time.Minute), Jobs: []execution.JobSeen{
			{ID: "job-1", Name: "RestoreInstance", Status: "Running", InstanceID: "tgt-1", Created: eventNow.Add(-2 * time.Minute), Why: execution.JobCandidate},
			{ID: "job-2", Name: "<b>Rollback</b>", Status: "Running", InstanceID: "tgt-1", Created: eventNow.Add(-2 * time.Minute), Why: execution.JobUnknownName},
			{ID: "job-3", Name: "RestoreInstance", Status: "Running", InstanceID: "src-1", Created: eventNow.Add(-2 * time.Minute), Why: execution.JobOtherInstance},
			{ID: "job-4", Name: "RestoreInstance", Status: "Running", InstanceID: "tgt-1", Why: execution.JobNoTime},
			{ID: "job-5", Name: "RestoreInstance", Status: "Running", InstanceID: "tgt-1", Created: eventNow.Add(-3*time.Minute - 2*time.Second), Why: execution.JobNearCall},
			{ID: "job-6", Name: "RestoreInstance", Status: "Running", InstanceID: "tgt-1", Created: eventNow.Add(-time.Minute), Why: execution.JobCandidate}}}},
		"job_claimed_elsewhere":    {sub, execution.JobClaimedElsewhere{JobID: "job-<2>", Owner: "B0TH3R"}},
		"late_answer_after_no_job": {sub, execution.LateAnswer{JobID: "job-3", Reconciled: "no restore job on the target in GaussDB's job list within 10m0s of the call; a new request is safe <now>"}},
		"interrupted_not_called":   {failed, execution.Interrupted{}},
		"interrupted_unknown":      {unknown, execution.Interrupted{MayHaveCalled: true}},
		"progress_running":         {sub, execution.Progress{JobID: "job-1", Status: "Running", Process: "40%", Elapsed: 8 * time.Minute}},
		"new_instance_created":     {sub, execution.NewInstanceCreated{Name: "orders-prod-restore-<1>", InstanceID: "in-1", JobID: "job-1", Expires: eventNow.Add(24 * time.Hour), Reconciled: true}},
		"new_instance_ready":       {done, execution.NewInstanceReady{Name: "orders-prod-restore-1", InstanceID: "in-1", PrivateIPs: []string{"192.168.0.9"}, Port: "3306", Expires: eventNow.Add(24 * time.Hour), Took: 40 * time.Minute}},
		"progress_finished":        {sub, execution.Progress{JobID: "job-1", Status: "Completed", Elapsed: 20 * time.Minute, Ended: true, OK: true}},
		"progress_failed":          {sub, execution.Progress{JobID: "job-1", Status: "Failed", Elapsed: 20 * time.Minute, Ended: true}},
		"queued":                   {eventRequest(approvals.StateQueued, false), execution.Queued{WaitingFor: "r7k2q"}},
		"dispatched":               {ex, execution.Dispatched{After: "r7k2q"}},
		"queue_expired":            {eventRequest(approvals.StateExpired, false), execution.QueueExpired{WaitingFor: "r7k2q"}},
		"awaiting_confirmation":    {ex, execution.AwaitingConfirmation{Within: 30 * time.Second}},
	}
}

// renderedSample is what a golden file holds for one sample.
func renderedSample(t *testing.T, s eventSample) any {
	t.Helper()
	if p, ok := s.ev.(execution.Progress); ok {
		return map[string]string{"progress": ProgressText(s.req, p)}
	}
	d, ok := Render(s.req, s.ev)
	if !ok {
		t.Fatalf("render has no words for %T", s.ev)
	}
	return d
}

func TestEventsGolden(t *testing.T) {
	for name, s := range eventSamples() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(renderedSample(t, s), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGoldenFile(t, filepath.Join("events", name+".json"), append(got, '\n'))
		})
	}
}

// TestEveryEventHasASample reads execution's source for the types that
// implement Event, so a new event without words fails here.
func TestEveryEventHasASample(t *testing.T) {
	sampled := map[string]bool{}
	for _, s := range eventSamples() {
		sampled[strings.TrimPrefix(fmt.Sprintf("%T", s.ev), "execution.")] = true
	}
	var missing []string
	for _, name := range eventTypes(t) {
		if !sampled[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("events without a rendering sample: %v", missing)
	}
	if len(sampled) < 20 {
		t.Errorf("only %d event types sampled", len(sampled))
	}
}

// eventTypes lists the receivers of execution's `event()` marker methods.
func eventTypes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "execution", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "event" {
				continue
			}
			if id, ok := fn.Recv.List[0].Type.(*ast.Ident); ok {
				names = append(names, id.Name)
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("no Event types found in ../execution")
	}
	return names
}

// TestEventWordsEscapeAndReachTheRightPlaces checks content the golden
// files could bless by mistake: cloud and user strings are escaped, and
// each kind of event reaches the surfaces it did before.
func TestEventWordsEscapeAndReachTheRightPlaces(t *testing.T) {
	for name, s := range eventSamples() {
		t.Run(name, func(t *testing.T) {
			got, _ := json.Marshal(renderedSample(t, s))
			for _, raw := range []string{"<!channel>", "<1>", "<2>", "<b>", "<gone>", "<now>", "<bad>"} {
				if strings.Contains(string(got), raw) {
					t.Errorf("%s is not escaped: %s", raw, got)
				}
			}
		})
	}
	threadOnly := []string{"safety_backup_skipped", "safety_backup_started", "safety_backup_taken", "contradiction_attached", "contradiction_ended", "job_claimed_elsewhere"}
	for _, name := range threadOnly {
		d, _ := Render(eventSamples()[name].req, eventSamples()[name].ev)
		if d.Refresh || d.Announce != "" || d.DM != "" || len(d.Thread) != 1 {
			t.Errorf("%s: got %+v, want one thread message only", name, d)
		}
	}
	for _, name := range []string{"submitted", "not_called", "stopped", "completed", "job_failed", "reconciled", "reconcile_gave_up", "reconcile_unclear", "not_durable", "late_answer_job", "late_answer_after_no_job"} {
		d, _ := Render(eventSamples()[name].req, eventSamples()[name].ev)
		if !d.Refresh || d.Announce == "" || d.DM == "" || len(d.Thread) == 0 {
			t.Errorf("%s: got %+v, want the approval message, thread, channel and DM", name, d)
		}
	}
	tables, _ := Render(eventSamples()["completed_tables"].req, eventSamples()["completed_tables"].ev)
	if len(tables.Thread) != 3 || !strings.Contains(tables.Thread[1], "shop.orders_r_202612021000") || !strings.Contains(tables.Thread[2], "RENAME TABLE") {
		t.Errorf("table restore completion: got %q", tables.Thread)
	}
}
