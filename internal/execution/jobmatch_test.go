package execution

import (
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		want jobKind
	}{
		{"RestoreGaussDBforMySQLNewInstance", kindNewInstance},
		{"RestoreInstance", kindInstanceRestore},
		{"RestoreGaussDBforMySQLInstance", kindInstanceRestore},
		{"GaussDBforMySQLRecoveryToExistingInstance", kindInstanceRestore},
		{"RestoreTable", kindTableRestore},
		{"GaussDBforMySQLRestoreTables", kindTableRestore},
		{"RebootGaussDBforMySQLInstance", kindOther},
		{"rebootgaussdbformysqlinstance", kindOther},
		{"GaussdbforMySQLCreateBackup", kindOther},
		{"GaussDBforMySQLDataRollback", kindUnknown},
		{"", kindUnknown},
	}
	for _, tt := range tests {
		if got := kindOf(tt.name); got != tt.want {
			t.Errorf("kindOf(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestMatchJobs(t *testing.T) {
	sent := time.Date(2031, 3, 14, 15, 9, 26, 535_000_000, time.UTC)
	const tgt, src = "tgt-in07", "src-in07"
	call := jobCall{RequestID: "R1", Target: tgt, Other: src, Sent: sent}
	tables := jobCall{RequestID: "R1", Target: src, Tables: true, Sent: sent}
	job := func(id, name, instance string, created time.Duration) restore.Job {
		return restore.Job{ID: id, Name: name, InstanceID: instance, Created: sent.Add(created).Truncate(time.Second), Status: "Running"}
	}
	ours := job("J1", "RestoreInstance", tgt, 2*time.Second)
	settled := sent.Add(10 * time.Minute)
	tests := []struct {
		name   string
		call   jobCall
		jobs   []restore.Job
		owners map[string]string
		now    time.Time
		want   jobVerdict
		job    string   // attached
		maybe  []string // with verdictConsole
		passed []string // "id: words"
	}{
		{"the one job", call, []restore.Job{ours, job("J9", "RebootGaussDBforMySQLInstance", tgt, 3*time.Second)}, nil, sent, verdictAttach, "J1", nil, nil},
		{"created in the second the call went out", call, []restore.Job{job("J1", "RestoreInstance", tgt, 0)}, nil, sent, verdictAttach, "J1", nil, nil},
		{"another request's job on the target", call, []restore.Job{ours}, map[string]string{"J1": "R2"}, sent.Add(time.Minute), verdictWait, "", nil,
			[]string{"J1: other_request R2"}},
		{"another request's job, settled", call, []restore.Job{ours}, map[string]string{"J1": "R2"}, settled, verdictNone, "", nil,
			[]string{"J1: other_request R2"}},
		{"a job started before the call", call, []restore.Job{job("J0", "RestoreInstance", tgt, -time.Minute)}, nil, settled, verdictNone, "", nil,
			[]string{"J0: before_call"}},
		{"two candidates", call, []restore.Job{ours, job("J2", "RestoreInstance", tgt, 4*time.Second)}, nil, sent, verdictConsole, "", []string{"J1:candidate", "J2:candidate"}, nil},
		{"ours by the index, among others", call, []restore.Job{job("J2", "RestoreInstance", tgt, 4*time.Second), ours}, map[string]string{"J1": "R1"}, sent, verdictAttach, "J1", nil, nil},
		{"a name that says nothing, on the target", call, []restore.Job{job("J3", "GaussDBforMySQLDataRollback", tgt, time.Second)}, nil, settled, verdictConsole, "", []string{"J3:unknown_name"}, nil},
		{"a restore listed under the source", call, []restore.Job{job("J4", "RestoreInstance", src, time.Second)}, nil, settled, verdictConsole, "", []string{"J4:other_instance"}, nil},
		{"a candidate and a doubtful one", call, []restore.Job{ours, job("J4", "RestoreInstance", src, time.Second)}, nil, sent, verdictConsole, "", []string{"J1:candidate", "J4:other_instance"}, nil},
		{"within the clocks' tolerance before the call", call, []restore.Job{job("J5", "RestoreInstance", tgt, -2*time.Second)}, nil, settled, verdictConsole, "", []string{"J5:near_call"}, nil},
		{"no creation time", call, []restore.Job{{ID: "J6", Name: "RestoreInstance", InstanceID: tgt}}, nil, settled, verdictConsole, "", []string{"J6:no_time"}, nil},
		{"a table restore is not an instance restore", call, []restore.Job{job("J7", "RestoreTable", tgt, time.Second)}, nil, settled, verdictNone, "", nil,
			[]string{"J7: other_kind"}},
		{"a table restore's job", tables, []restore.Job{job("J7", "RestoreTable", src, time.Second), job("J8", "RestoreInstance", src, time.Second)}, nil, sent, verdictAttach, "J7", nil,
			[]string{"J8: other_kind"}},
		{"a restore to a new instance, other jobs, other instances", call, []restore.Job{
			job("J10", "RestoreGaussDBforMySQLNewInstance", tgt, time.Second), job("J11", "ResizeGaussDBforMySQLFlavor", tgt, time.Second),
			job("J12", "RestoreInstance", "elsewhere-in07", time.Second)}, nil, sent.Add(time.Minute), verdictWait, "", nil, nil},
		{"nothing yet", call, nil, nil, settled.Add(-time.Second), verdictWait, "", nil, nil},
		{"nothing, settled", call, nil, nil, settled, verdictNone, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := matchJobs(tt.jobs, tt.call, tt.owners, tt.now, settled)
			if m.Verdict != tt.want || m.Job.ID != tt.job {
				t.Fatalf("verdict %d job %q (%+v), want %d job %q", m.Verdict, m.Job.ID, m, tt.want, tt.job)
			}
			var maybe []string
			for _, j := range m.Possible {
				maybe = append(maybe, j.ID+":"+string(j.Why))
			}
			if strings.Join(maybe, ",") != strings.Join(tt.maybe, ",") {
				t.Errorf("possible %v, want %v", maybe, tt.maybe)
			}
			if len(m.Passed) != len(tt.passed) {
				t.Fatalf("passed %+v, want %v", m.Passed, tt.passed)
			}
			for i, p := range m.Passed {
				id, why, _ := strings.Cut(tt.passed[i], ": ")
				why, owner, _ := strings.Cut(why, " ")
				if p.ID != id || p.Why != JobWhy(why) || p.Owner != owner {
					t.Errorf("passed %s because %s (owner %q), want %s because %s (owner %q)", p.ID, p.Why, p.Owner, id, why, owner)
				}
			}
		})
	}
}
