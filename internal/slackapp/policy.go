package slackapp

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/msgtext"
	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// Instances finds instances for `/db-restore policy INSTANCE`.
type Instances interface {
	Instance(ctx context.Context, id string) (restore.Instance, error)
	FindInstances(ctx context.Context, name string) ([]restore.Instance, error)
}

// announceBreakGlass tells the incident channel and every approver of the
// rule, loudly, that a request skipped its usual approvals.
func (a *App) announceBreakGlass(ctx context.Context, r approvals.Request) {
	text := fmt.Sprintf(":rotating_light: *Break-glass restore request* `%s` by <@%s>: %s\nReason: %s\nRule %q normally needs %d approvals; this one needs 1 (never the requester). `/db-restore reviews` lists it until it is reviewed.",
		r.ID, r.Requester, msgtext.What(r), msgtext.Esc(r.BreakGlass), r.Rule.Name, max(r.Rule.BreakGlassFrom, r.Rule.Required()))
	a.announce(ctx, r, text)
	notified := map[string]bool{r.Requester: true}
	for _, id := range r.Rule.Approvers {
		users := []string{id}
		if strings.HasPrefix(id, "S") {
			members, err := a.people.groupMembers(ctx, id)
			if err != nil {
				a.log.Warn().Err(err).Str("group_id", id).Msg("could not list approvers to warn of a break-glass request")
				continue
			}
			users = users[:0]
			for u := range members {
				users = append(users, u)
			}
		}
		for _, u := range users {
			if !notified[u] {
				notified[u] = true
				a.dm(ctx, u, text)
			}
		}
	}
}

// onFreeze turns restores off or on for everyone; only admins may.
func (a *App) onFreeze(ctx context.Context, u user, c command.Freeze) {
	ok, err := a.people.member(ctx, u.id, a.opt.Admins)
	if err != nil || !ok {
		if err == nil {
			err = &intake.NotAllowedError{Action: intake.ActionFreeze, Who: a.opt.Admins}
		}
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return
	}
	if c.On {
		err = a.store.SetFreeze(ctx, u.id, c.Reason)
	} else {
		err = a.store.ClearFreeze(ctx, u.id)
	}
	warn, err := unconfirmed(err)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, storeErr(err)))
		return
	}
	a.log.Info().Str("user_id", u.id).Bool("frozen", c.On).Msg("restore freeze changed")
	a.homes.everyone(a.opt.Admins) // every Home tab shows the freeze
	d := slackview.RenderDecision(approvals.Request{}, slackview.FreezeChanged{By: u.id, Reason: c.Reason, On: c.On, Unconfirmed: warn})
	a.deliver(ctx, approvals.Request{Rule: approvals.Rule{IncidentChannel: a.opt.IncidentChannel}}, d)
	a.tell(ctx, u, d.Answer)
}

// onPolicy shows the rule in force for an instance and why it matched.
func (a *App) onPolicy(ctx context.Context, u user, ref string) {
	in, err := a.findInstance(ctx, ref)
	if err != nil {
		a.tell(ctx, u, slackview.Explain(a.log, err))
		return
	}
	r, why := a.in.Policy().Match(in)
	var b strings.Builder
	fmt.Fprintf(&b, "*Policy for %s*: %s\n", msgtext.Instance(in.Name, in.ID), msgtext.Esc(why.String()))
	fmt.Fprintf(&b, "• Approvals: needs %d of %s (never the requester)\n", r.Required(), msgtext.Mentions(r.Approvers))
	if len(r.Requesters) > 0 {
		fmt.Fprintf(&b, "• Who may request: %s\n", msgtext.Mentions(r.Requesters))
	} else {
		b.WriteString("• Who may request: anyone\n")
	}
	if r.AllowOverwriteOriginal {
		b.WriteString("• Restoring onto this instance itself: allowed")
		if r.SafetyBackupFor(true) {
			b.WriteString(", after a safety backup")
		}
		b.WriteString("\n")
	} else {
		b.WriteString("• Restoring onto this instance itself: *not allowed*; restore into another instance\n")
	}
	if r.SafetyBackupFor(false) {
		b.WriteString("• A safety backup of the target is taken before every restore\n")
	}
	t := r.TableRule()
	b.WriteString(slackview.TablesPolicyLine(r.TablesAllowed(), t.Required(), t.Approvers))
	if ch := cmp.Or(r.ApprovalChannel, a.opt.ApprovalChannel); ch != "" {
		fmt.Fprintf(&b, "• Approval channel: <#%s>\n", ch)
	}
	if ch := cmp.Or(r.IncidentChannel, a.opt.IncidentChannel); ch != "" {
		fmt.Fprintf(&b, "• Incident channel: <#%s>\n", ch)
	}
	if r.Frozen {
		fmt.Fprintf(&b, "• :snowflake: *Frozen*: %s\n", msgtext.Esc(r.FrozenReason))
	}
	if reason, by, on, err := a.store.Freeze(ctx); err == nil && on {
		fmt.Fprintf(&b, "• :snowflake: All restores are frozen by <@%s>: %s\n", by, msgtext.Esc(reason))
	}
	a.tell(ctx, u, b.String())
}

func (a *App) findInstance(ctx context.Context, ref string) (restore.Instance, error) {
	if a.instances == nil {
		if restore.IsInstanceID(ref) {
			return restore.Instance{ID: ref}, nil // offline: only ID rules can match
		}
		return restore.Instance{}, &restore.FieldError{Field: "instance", Problem: "names cannot be looked up without cloud credentials", Accepted: "an instance ID"}
	}
	if restore.IsInstanceID(ref) {
		in, err := a.instances.Instance(ctx, ref)
		if restore.IsNotFound(err) {
			return restore.Instance{}, &restore.FieldError{Field: "instance", Problem: "no instance with ID " + ref, Accepted: "an instance ID or name"}
		}
		return in, err
	}
	found, err := a.instances.FindInstances(ctx, ref)
	if err != nil {
		return restore.Instance{}, err
	}
	if len(found) != 1 {
		return restore.Instance{}, &restore.FieldError{Field: "instance", Problem: fmt.Sprintf("%d instances are named %s", len(found), ref), Accepted: "an instance ID, or a name that exactly one instance has"}
	}
	return found[0], nil
}
