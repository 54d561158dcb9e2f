package slackview

import (
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

// ProgressText is the progress message: a bar drawn from the job's
// `process`, the process itself, the time elapsed and an estimate of the
// time left; at the end, how it ended.
func ProgressText(r approvals.Request, p execution.Progress) string {
	job := esc(p.JobID)
	switch {
	case p.Ended && p.OK:
		return fmt.Sprintf(":white_check_mark: *Restore job finished* · job `%s`\n%s · took %s", job, ProgressBar("100%"), RoundDur(p.Elapsed))
	case p.Ended:
		return fmt.Sprintf(":x: *Restore job ended: %s* · job `%s` · after %s", esc(p.Status), job, RoundDur(p.Elapsed))
	}
	s := fmt.Sprintf(":arrows_counterclockwise: *Restore running* · job `%s` · status %s\n%s", job, esc(p.Status), ProgressBar(p.Process))
	if p.Process != "" {
		s += " · process `" + esc(p.Process) + "`"
	}
	s += " · elapsed " + RoundDur(p.Elapsed)
	if left, ok := Remaining(p.Process, p.Elapsed); ok {
		s += " · about " + RoundDur(left) + " left"
	}
	return s
}
