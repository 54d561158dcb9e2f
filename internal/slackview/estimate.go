package slackview

import (
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// estimateLine is the approval message's estimate, labelled as one.
func estimateLine(e *approvals.Estimate) string {
	if e == nil {
		return ":stopwatch: *Estimated duration:* unknown (no earlier restore of this instance was followed and no backup says how long it took)"
	}
	return fmt.Sprintf(":stopwatch: *Estimated duration:* about %s. This is an estimate, from %s.", msgtext.About(e.Duration), msgtext.Esc(e.Basis))
}
