package sandbox

import (
	"fmt"
	"sync"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
)

// Fault names the page's panel arms for the next call only.
const (
	FaultRestore400     = "restore-400"
	FaultRestore500     = "restore-500"
	FaultRestoreTimeout = "restore-timeout"
	FaultJob            = "job-fail"
	FaultBackup         = "backup-fail"
)

// restoreHang is how long an armed timeout keeps the restore call waiting:
// longer than the bot's 60 s bound on the call.
const restoreHang = 90 * time.Second

// faults remembers the armed answer of the next restore call.
type faults struct {
	mu      sync.Mutex
	restore string
}

func (f *faults) armed() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.restore
}

// Arm makes the next restore call, restore job or backup fail as named.
func (sb *Sandbox) Arm(fault string) error {
	switch fault {
	case FaultJob:
		sb.GaussDB.FailNextRestoreJob("the restore job failed (injected from the sandbox panel)")
	case FaultBackup:
		sb.GaussDB.FailNextBackup("the backup failed (injected from the sandbox panel)")
	case FaultRestore400, FaultRestore500, FaultRestoreTimeout:
		sb.knobs.mu.Lock()
		sb.knobs.restore = fault
		sb.knobs.mu.Unlock()
		sb.GaussDB.SetRestoreBehaviour(func(restore.Call) gaussdbtest.Response {
			sb.knobs.mu.Lock()
			f := sb.knobs.restore
			sb.knobs.restore = ""
			sb.knobs.mu.Unlock()
			sb.GaussDB.SetRestoreBehaviour(nil) // one call only
			return answerFor(f)
		})
	default:
		return fmt.Errorf("unknown fault %q", fault)
	}
	sb.bump()
	return nil
}

// answerFor is the scripted answer of an armed restore fault.
func answerFor(fault string) gaussdbtest.Response {
	switch fault {
	case FaultRestore400:
		return gaussdbtest.Response{Status: 400, Body: `{"error_code":"DBS.280001","error_msg":"Parameter error: the target instance is being modified (injected)."}`}
	case FaultRestore500:
		return gaussdbtest.Response{Status: 500, Body: `{"error_code":"DBS.200001","error_msg":"Internal service error (injected)."}`}
	case FaultRestoreTimeout:
		return gaussdbtest.Response{Delay: restoreHang, Status: 504, Body: `{"error_code":"APIGW.0201","error_msg":"Gateway timeout (injected)."}`}
	}
	return gaussdbtest.Response{}
}

// Armed lists the faults waiting for their call.
func (sb *Sandbox) Armed() []string {
	var out []string
	if f := sb.knobs.armed(); f != "" {
		out = append(out, f)
	}
	job, backup := sb.GaussDB.Armed()
	if job != "" {
		out = append(out, FaultJob)
	}
	if backup != "" {
		out = append(out, FaultBackup)
	}
	return out
}
