package slackview

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/lifetime"
)

var homeNow = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// homeRequest is a request in the given state for the Home tab's golden files.
func homeRequest(id string, st approvals.State, age time.Duration) approvals.Request {
	created := homeNow.Add(-age)
	r := approvals.Request{
		ID: id, State: st, Requester: "UREQ0001", Reason: "bad migration <!channel>",
		Params: approvals.Params{SourceID: "src-1", SourceName: "orders-prod", TargetID: "tgt-1", TargetName: "orders-restore",
			Type: approvals.TypeBackup, BackupID: "bk-1"},
		Rule:      approvals.Rule{Name: "default", Approvers: []string{"UAPP0001", "SDBA0001"}, RequiredApprovals: 2},
		Channel:   "C0APPR001",
		MessageTS: "1700000000.000100",
		CreatedAt: created, ExpiresAt: created.Add(30 * time.Minute), UpdatedAt: created,
	}
	r.ParamHash = r.Params.Hash()
	if st != approvals.StatePending && st != approvals.StateCancelled && st != approvals.StateExpired && st != approvals.StateDenied {
		r.Approvals = []approvals.Approval{{User: "UAPP0001", At: created.Add(time.Minute)}, {User: "UGRP0001", At: created.Add(2 * time.Minute)}}
	}
	switch st {
	case approvals.StateSubmitted:
		r.JobID, r.SubmittedAt, r.Progress = "job-"+id, created.Add(3*time.Minute), "40%"
	case approvals.StateCompleted, approvals.StateFailed:
		r.JobID, r.SubmittedAt, r.UpdatedAt = "job-"+id, created.Add(3*time.Minute), created.Add(23*time.Minute)
		if st == approvals.StateFailed {
			r.Detail = "job failed: disk full"
		}
	}
	return r
}

// homeTableRequest is a pending table restore of n tables, as of an instant
// with seconds and milliseconds, asked from Shanghai.
func homeTableRequest(id string, n int) approvals.Request {
	r := homeRequest(id, approvals.StatePending, time.Minute)
	r.RequesterTZ = "Asia/Shanghai"
	r.Params = approvals.Params{SourceID: "src-1", SourceName: "orders-prod", TargetID: "src-1", TargetName: "orders-prod",
		Type: approvals.TypeTables, RestoreTimeMs: time.Date(2026, 12, 2, 9, 30, 15, 250e6, time.UTC).UnixMilli()}
	for i := range n {
		r.Params.Tables = append(r.Params.Tables, approvals.TableRename{Database: "shop", OldName: fmt.Sprintf("orders_%02d", i),
			NewName: fmt.Sprintf("orders_%02d_restored", i), Live: true})
	}
	r.ParamHash = r.Params.Hash()
	return r
}

func homeStates() map[string]HomeData {
	base := func(r intake.Role) HomeData {
		return HomeData{Board: intake.Board{User: "UAPP0001", Role: r, Now: homeNow, More: map[string]int{}, Undo: map[string]string{}}}
	}
	outsider := base(intake.Role{})
	empty := base(intake.Role{Request: true, Approve: true})

	approver := base(intake.Role{Approve: true})
	approver.Waiting = []approvals.Request{homeRequest("aaaaaa", approvals.StatePending, 5*time.Minute)}
	bg := homeRequest("bbbbbb", approvals.StatePending, time.Minute)
	bg.BreakGlass, bg.Rule.RequiredApprovals, bg.Rule.BreakGlassFrom = "prod is down", 1, 2
	approver.Waiting = append(approver.Waiting, bg, homeTableRequest("iiiiii", 3))
	approver.Running = []approvals.Request{homeRequest("cccccc", approvals.StateSubmitted, 20*time.Minute)}

	requester := base(intake.Role{Request: true})
	requester.User = "UREQ0001"
	requester.Notice = ":wastebasket: Request `dddddd` is cancelled."
	part := homeRequest("eeeeee", approvals.StatePending, 2*time.Minute)
	part.Approvals = []approvals.Approval{{User: "UAPP0001", At: homeNow.Add(-time.Minute)}}
	requester.Mine = []approvals.Request{part, homeRequest("cccccc", approvals.StateSubmitted, 20*time.Minute),
		homeRequest("dddddd", approvals.StateCancelled, time.Hour)}
	requester.Running = []approvals.Request{homeRequest("cccccc", approvals.StateSubmitted, 20*time.Minute)}
	done := homeRequest("ffffff", approvals.StateCompleted, 26*time.Hour)
	done.Rule.SafetyBackup = true
	requester.Recent = []approvals.Request{done, homeRequest("gggggg", approvals.StateFailed, 50*time.Hour)}
	requester.Undo["ffffff"] = execution.UndoCommand(done, "sbk-1")
	requester.Instances = []lifetime.Record{{RequestID: "jjjjjj", State: lifetime.StateLive, Name: "orders-prod-restore-202612011000",
		InstanceID: "in-9", Requester: "UREQ0001", Created: homeNow.Add(-2 * time.Hour), Expires: homeNow.Add(22 * time.Hour)}}

	admin := base(intake.Role{Admin: true, Approve: true, Request: true})
	admin.Frozen, admin.FreezeReason, admin.FreezeBy = true, "incident <!here> INC-9", "UADM0001"
	admin.FrozenRules = []string{"payments: audit"}
	review := homeRequest("hhhhhh", approvals.StateCompleted, 3*time.Hour)
	review.BreakGlass = "prod is down"
	admin.Reviews = []approvals.Request{review}
	admin.Recent = []approvals.Request{review}

	// Full: every list at its cap, to show the view stays within Slack's limits.
	full := base(intake.Role{Admin: true, Approve: true, Request: true})
	for i := range homeListMax {
		id := fmt.Sprintf("w%05d", i)
		full.Waiting = append(full.Waiting, homeRequest(id, approvals.StatePending, time.Minute))
		full.Mine = append(full.Mine, homeRequest(id, approvals.StatePending, time.Minute))
		full.Running = append(full.Running, homeRequest(id, approvals.StateSubmitted, time.Hour))
		full.Recent = append(full.Recent, homeRequest(id, approvals.StateCompleted, time.Hour))
		full.Reviews = append(full.Reviews, homeRequest(id, approvals.StateCompleted, time.Hour))
	}
	full.More = map[string]int{"waiting": 7, "mine": 0, "running": 2, "recent": 30, "reviews": 1}
	full.Notice = ":warning: " + strings.Repeat("x", 4000)
	return map[string]HomeData{"outsider": outsider, "empty": empty, "approver": approver, "requester": requester, "admin": admin, "full": full}
}

func TestHomeGolden(t *testing.T) {
	for name, d := range homeStates() {
		t.Run(name, func(t *testing.T) { checkGoldenView(t, "home_"+name+".json", HomeView(d)) })
	}
}

// TestHomeStatesShowWhatTheyShould checks the golden states' content, so
// that a careless -update cannot bless a broken Home tab.
func TestHomeStatesShowWhatTheyShould(t *testing.T) {
	states := homeStates()
	tests := []struct {
		state       string
		want, avoid []string
	}{
		{"outsider", []string{"not a requester, approver or admin"},
			[]string{"New restore", "Waiting for your approval", "Running now", "Finished", "frozen", "break-glass"}},
		{"empty", []string{"Nothing waits for you.", "No restore is running.", "No restore finished", "New restore", "Restores are not frozen"},
			[]string{"Break-glass restores waiting"}},
		{"approver", []string{"Waiting for your approval (3)", `"action_id":"approve"`, `"value":"aaaaaa|`, `"block_id":"decision:aaaaaa"`,
			`"block_id":"decision:bbbbbb"`, "Approve this restore?", "*Break-glass:* prod is down", "0 of 2 approvals", "expires in 25m0s",
			"`▓▓▓▓░░░░░░` 40%", "running 17m0s", "about 25m30s left",
			"*Reason:* bad migration &lt;!channel&gt;"},
			[]string{"New restore", "Your requests", `"action_id":"home_cancel"`, "<!channel>", "Your new instances"}},
		{"requester", []string{"Your requests", `"action_id":"home_cancel"`, `"value":"eeeeee"`, "1 of 2 approvals (<@UAPP0001>)",
			"expires in 28m0s", "is cancelled", "completed", "took 21m0s", "To undo: `/db-restore source=tgt-1 backup=sbk-1",
			"job failed: disk full", "Your new instances (1)", "cost money", "`orders-prod-restore-202612011000` (`in-9`)",
			`"action_id":"ni_keep"`, `"action_id":"ni_delete"`, `"value":"jjjjjj"`, "in 22.0 h"},
			[]string{"Waiting for your approval", "Break-glass restores waiting"}},
		{"admin", []string{"*All restores are frozen* by <@UADM0001>: incident &lt;!here&gt; INC-9", "Rule frozen: payments: audit",
			"Break-glass restores waiting for review (1)", "/db-restore review hhhhhh"}, []string{"Restores are not frozen"}},
		{"full", []string{"Waiting for your approval (17)", "…and 7 more", "…and 30 more", "…and 2 more", "…and 1 more"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			raw, err := json.Marshal(HomeView(states[tt.state]))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("view lacks %q:\n%s", w, got)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(got, a) {
					t.Errorf("view shows %q:\n%s", a, got)
				}
			}
		})
	}
}

func TestProgressFigures(t *testing.T) {
	tests := []struct {
		process string
		elapsed time.Duration
		bar     string
		left    time.Duration
		ok      bool
	}{
		{"0%", time.Minute, "`░░░░░░░░░░` 0%", 0, false},
		{"25%", 10 * time.Minute, "`▓▓░░░░░░░░` 25%", 30 * time.Minute, true},
		{" 60% ", 6 * time.Minute, "`▓▓▓▓▓▓░░░░` 60%", 4 * time.Minute, true},
		{"100%", time.Hour, "`▓▓▓▓▓▓▓▓▓▓` 100%", 0, true},
		{"", time.Minute, "`░░░░░░░░░░` waiting for the first progress report", 0, false},
		{"half <@U1>", time.Minute, "progress half &lt;@U1&gt;", 0, false},
		{"140%", time.Minute, "progress 140%", 0, false},
	}
	for _, tt := range tests {
		if got := ProgressBar(tt.process); got != tt.bar {
			t.Errorf("progressBar(%q) = %q, want %q", tt.process, got, tt.bar)
		}
		left, ok := Remaining(tt.process, tt.elapsed)
		if ok != tt.ok || left != tt.left {
			t.Errorf("remaining(%q, %v) = %v, %v; want %v, %v", tt.process, tt.elapsed, left, ok, tt.left, tt.ok)
		}
	}
}

// Review finding 4: the Home tab's waiting line and its Approve
// confirmation show what the approval binds, as the approval message does:
// the restore point to the second with its epoch milliseconds, and a table
// restore's old → new names, not "N tables" at a minute.
func TestHomeShowsWhatTheApprovalBinds(t *testing.T) {
	for _, n := range []int{3, 15} {
		t.Run(fmt.Sprint(n, " tables"), func(t *testing.T) {
			r := homeTableRequest("iiiiii", n)
			line := waitingLine(r, homeNow)
			instant := "2026-12-02 09:30:15 UTC · 2026-12-02 17:30:15 CST (Asia/Shanghai) · `1796203815250` ms"
			for _, want := range []string{instant, "`shop.orders_00` → `shop.orders_00_restored`", "`shop.orders_02` → `shop.orders_02_restored`"} {
				if !strings.Contains(line, want) {
					t.Errorf("waiting line lacks %q:\n%s", want, line)
				}
			}
			if n > TablesInMessage && !strings.Contains(line, fmt.Sprintf("…and %d more, listed in the approval message's thread", n-TablesInMessage)) {
				t.Errorf("waiting line does not say where the other renames are:\n%s", line)
			}
			confirm := homeDecisionButtons(r)[0].(*slack.ButtonBlockElement).Confirm.Text.Text
			if !strings.Contains(confirm, "as of 2026-12-02 09:30:15 UTC (`1796203815250` ms)") || !strings.Contains(confirm, "`shop.orders_02` → `shop.orders_02_restored`") {
				t.Errorf("Approve confirmation lacks the instant or the names: %q", confirm)
			}
			if n == 15 && !strings.Contains(confirm, "more (listed above)") {
				t.Errorf("a confirmation without room for every name must say so: %q", confirm)
			}
			if c := utf8.RuneCountInString(confirm); c > maxConfirmText {
				t.Errorf("confirmation is %d characters, Slack allows %d", c, maxConfirmText)
			}
		})
	}
}
