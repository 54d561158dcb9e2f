package slackview

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/approvals"
)

// decisionSamples are one of each Decision, in the states people see.
func decisionSamples() map[string]struct {
	req approvals.Request
	d   Decision
} {
	type sample = struct {
		req approvals.Request
		d   Decision
	}
	pending := eventRequest(approvals.StatePending, false)
	return map[string]sample{
		"denied":                {eventRequest(approvals.StateDenied, false), Denied{By: "UAPP0001"}},
		"denied_unconfirmed":    {eventRequest(approvals.StateDenied, false), Denied{By: "UAPP0001", Unconfirmed: true}},
		"counted":               {pending, Counted{By: "UAPP0001", Count: 1, Required: 2}},
		"counted_dropped":       {pending, Counted{By: "UAPP0002", Count: 1, Required: 2, Dropped: []string{"UOLD0001"}, Rule: "orders <prod>"}},
		"cancelled":             {eventRequest(approvals.StateCancelled, false), Cancelled{By: "UREQ0001"}},
		"cancelled_unconfirmed": {eventRequest(approvals.StateCancelled, false), Cancelled{By: "UREQ0001", Unconfirmed: true}},
		"expired":               {eventRequest(approvals.StateExpired, false), Expired{}},
		"freeze_on":             {approvals.Request{}, FreezeChanged{By: "UADM0001", Reason: "incident <7>", On: true}},
		"freeze_off":            {approvals.Request{}, FreezeChanged{By: "UADM0001"}},
		"freeze_on_unconfirmed": {approvals.Request{}, FreezeChanged{By: "UADM0001", Reason: "incident 7", On: true, Unconfirmed: true}},
	}
}

func TestDecisionsGolden(t *testing.T) {
	for name, s := range decisionSamples() {
		t.Run(name, func(t *testing.T) {
			d := RenderDecision(s.req, s.d)
			if d.Thread == nil && d.Announce == "" && d.Answer == "" {
				t.Fatalf("%T says nothing", s.d)
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGoldenFile(t, filepath.Join("decisions", name+".json"), append(got, '\n'))
		})
	}
}

// TestUnconfirmedDecisionsWarn: a decision the replicas did not confirm is
// told with the warning, where the person who made it reads it.
func TestUnconfirmedDecisionsWarn(t *testing.T) {
	for name, s := range decisionSamples() {
		if !strings.HasSuffix(name, "_unconfirmed") {
			continue
		}
		d := RenderDecision(s.req, s.d)
		told := d.Answer + strings.Join(d.Thread, "\n")
		if !strings.Contains(told, "could not confirm this with its replicas") {
			t.Errorf("%s: no warning in %+v", name, d)
		}
	}
}
