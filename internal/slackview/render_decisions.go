package slackview

import (
	"fmt"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/msgtext"
)

// A Decision is what a person's click or command did to requests (a deny,
// an approval counted, a cancel, a freeze) or what the sweeper did (an
// expiry). Each is rendered once, by RenderDecision, and delivered like an
// execution event.
type Decision interface{ decision() }

// Denied: By denied the request. Unconfirmed: the replicas did not confirm it.
type Denied struct {
	By          string
	Unconfirmed bool
}

// Counted: By's approval counted, Count of Required; Dropped are the
// approvals a rule change dropped, under Rule.
type Counted struct {
	By              string
	Count, Required int
	Dropped         []string
	Rule            string
}

// Cancelled: By withdrew their own pending request.
type Cancelled struct {
	By          string
	Unconfirmed bool
}

// Expired: the request expired without enough approvals.
type Expired struct{}

// FreezeChanged: By froze restores for Reason (On), or lifted the freeze.
type FreezeChanged struct {
	By, Reason      string
	On, Unconfirmed bool
}

func (Denied) decision()        {}
func (Counted) decision()       {}
func (Cancelled) decision()     {}
func (Expired) decision()       {}
func (FreezeChanged) decision() {}

// UnconfirmedWarning follows the words of a decision the replicas did not
// confirm.
const UnconfirmedWarning = "\n:warning: The store could not confirm this with its replicas in time: a Redis failover now could undo it. Check again in a minute."

func warning(unconfirmed bool) string {
	if unconfirmed {
		return UnconfirmedWarning
	}
	return ""
}

// RenderDecision is the delivery of d for r (the request as stored after
// it; for a freeze, no request).
func RenderDecision(r approvals.Request, d Decision) Delivery {
	switch d := d.(type) {
	case Denied:
		return Delivery{Refresh: true,
			Thread:   []string{fmt.Sprintf(":no_entry: Denied by <@%s>. Nothing will be restored.", d.By) + warning(d.Unconfirmed)},
			Announce: fmt.Sprintf(":no_entry: <@%s> denied restore `%s`: %s", d.By, r.ID, whatLine(r)),
			DM:       fmt.Sprintf(":no_entry: <@%s> denied your restore request `%s`: %s", d.By, r.ID, whatLine(r))}
	case Counted:
		return Delivery{Refresh: true,
			Thread: []string{DroppedWords(d.Dropped, d.Rule) + fmt.Sprintf(":ballot_box_with_check: Approved by <@%s> (%d of %d).", d.By, d.Count, d.Required)}}
	case Cancelled:
		return Delivery{Refresh: true,
			Answer:   fmt.Sprintf(":wastebasket: Request `%s` is cancelled.", r.ID) + warning(d.Unconfirmed),
			Announce: fmt.Sprintf(":wastebasket: <@%s> cancelled restore `%s`: %s", d.By, r.ID, whatLine(r))}
	case Expired:
		return Delivery{Refresh: true,
			Thread:   []string{fmt.Sprintf(":alarm_clock: Expired at %s without enough approvals. Nothing will be restored; the requester can ask again.", stamp(r.ExpiresAt))},
			Announce: fmt.Sprintf(":alarm_clock: Restore `%s` expired unapproved: %s", r.ID, whatLine(r)),
			DM:       fmt.Sprintf(":alarm_clock: Your restore request `%s` expired without enough approvals: %s", r.ID, whatLine(r))}
	case FreezeChanged:
		text := fmt.Sprintf(":sunny: <@%s> lifted the restore freeze. Requests and approvals are accepted again.", d.By)
		if d.On {
			text = fmt.Sprintf(":snowflake: <@%s> froze all restores: %s. New requests and approvals are refused until `/db-restore freeze off`; restores already running are not touched.", d.By, msgtext.Esc(d.Reason))
		}
		text += warning(d.Unconfirmed)
		return Delivery{Announce: text, Answer: text}
	}
	return Delivery{}
}
