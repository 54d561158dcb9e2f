package slackview

import (
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
)

// RenderQueue renders one restore at a time per instance (a request that
// waits for another, then goes ahead or expires) and an approval waiting
// for the store's confirmation.
func RenderQueue(r approvals.Request, ev execution.Event) (Delivery, bool) {
	switch ev := ev.(type) {
	case execution.Queued:
		return Delivery{Refresh: true,
			Thread: []string{fmt.Sprintf(":hourglass_flowing_sand: Approved by %s. *waiting:* `%s` is restoring this instance (%s). This restore is called only once that one has ended, re-checked then; nothing is called before. The requester can still cancel it.",
				mentionList(approverIDs(r)), esc(ev.WaitingFor), targetLabel(r))},
			Announce: fmt.Sprintf(":hourglass_flowing_sand: Restore `%s` approved, waiting: `%s` is restoring this instance: %s", r.ID, esc(ev.WaitingFor), whatLine(r)),
			DM:       fmt.Sprintf(":hourglass_flowing_sand: Your restore `%s` is approved and waiting: `%s` is restoring the same instance. It goes ahead once that one has ended.", r.ID, esc(ev.WaitingFor))}, true
	case execution.Dispatched:
		return Delivery{Refresh: true, Thread: []string{fmt.Sprintf(":arrow_forward: `%s` has ended and %s is free: this restore goes ahead now.", esc(ev.After), targetLabel(r))}}, true
	case execution.QueueExpired:
		return Delivery{Refresh: true,
			Thread:   []string{fmt.Sprintf(":alarm_clock: Expired at %s while waiting for `%s` to finish restoring this instance. Nothing was restored; the requester can ask again.", stamp(r.ExpiresAt), esc(ev.WaitingFor))},
			Announce: fmt.Sprintf(":alarm_clock: Restore `%s` expired while waiting for `%s`: %s", r.ID, esc(ev.WaitingFor), whatLine(r)),
			DM:       fmt.Sprintf(":alarm_clock: Your restore request `%s` expired while waiting for `%s` to finish restoring the same instance; nothing was restored.", r.ID, esc(ev.WaitingFor))}, true
	case execution.AwaitingConfirmation:
		return Delivery{Thread: []string{fmt.Sprintf(":hourglass: Approved by %s, but the approval store (Redis) has not yet confirmed the approval with its replicas. Nothing is called until it does; the bot asks again for up to %s, then goes ahead (re-checked) or ends this request *not called*.",
			mentionList(approverIDs(r)), ev.Within)}}, true
	}
	return Delivery{}, false
}
