package slackapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/command"
	"github.com/dbrestore/db-restore/internal/restore"
)

// Instances finds instances for `/db-restore policy INSTANCE`.
type Instances interface {
	Instance(ctx context.Context, id string) (restore.Instance, error)
	FindInstances(ctx context.Context, name string) ([]restore.Instance, error)
}

// frozenError says restores are frozen, by whom and why.
type frozenError struct {
	scope  string // "all restores" or `rule "x"`
	reason string
	by     string
}

func (e *frozenError) Error() string { return "frozen: " + e.reason }

// ruleFor decides the rule in force for a new request and captures it: the
// policy rule matching the target, checked against the requester and the
// restore, with break-glass applied. It also returns the approval channel.
func (a *App) ruleFor(ctx context.Context, requester, origin string, plan restore.Plan, breakGlass string) (approvals.Rule, string, error) {
	if plan.Type == restore.TypeTables {
		return a.tableRule(ctx, requester, origin, plan, breakGlass)
	}
	r, why := a.policy.Match(plan.Target)
	if r.Frozen {
		return approvals.Rule{}, "", &frozenError{scope: fmt.Sprintf("rule %q", r.Name), reason: r.FrozenReason}
	}
	if len(r.Requesters) > 0 {
		ok, err := a.people.member(ctx, requester, r.Requesters)
		if err != nil {
			return approvals.Rule{}, "", err
		}
		if !ok {
			return approvals.Rule{}, "", &notAllowedError{action: "request", who: r.Requesters}
		}
	}
	overwrite := plan.Source.ID == plan.Target.ID
	if overwrite && !r.AllowOverwriteOriginal {
		return approvals.Rule{}, "", &restore.FieldError{Field: restore.FieldTarget,
			Problem:  fmt.Sprintf("the policy rule %q does not allow restoring onto the original instance %s", r.Name, plan.Target.Name),
			Accepted: "another existing instance as target= (same engine, version and lower_case_table_names)"}
	}
	rule := approvals.Rule{
		Name: r.Name, Approvers: r.Approvers, RequiredApprovals: r.Required(),
		SafetyBackup: r.SafetyBackupFor(overwrite), IncidentChannel: firstOf(r.IncidentChannel, a.opt.IncidentChannel),
		Why: why.String(),
	}
	if err := a.applyBreakGlass(ctx, &rule, requester, breakGlass); err != nil {
		return approvals.Rule{}, "", err
	}
	if err := reachable(rule, requester); err != nil {
		return approvals.Rule{}, "", err
	}
	return rule, firstOf(r.ApprovalChannel, a.opt.ApprovalChannel, origin), nil
}

// applyBreakGlass lowers the rule's threshold to one approver when the
// requester may and did ask for break-glass.
func (a *App) applyBreakGlass(ctx context.Context, rule *approvals.Rule, requester, breakGlass string) error {
	if breakGlass == "" {
		return nil
	}
	ok, err := a.people.member(ctx, requester, a.opt.BreakGlass)
	if err != nil {
		return err
	}
	if !ok {
		return &notAllowedError{action: "use break_glass= for", who: a.opt.BreakGlass}
	}
	if rule.RequiredApprovals > 1 {
		rule.BreakGlassFrom, rule.RequiredApprovals = rule.RequiredApprovals, 1
	}
	return nil
}

// reachable refuses a request that no set of approvers could ever approve:
// when every approver is a listed user, there must be enough of them
// besides the requester.
func reachable(r approvals.Rule, requester string) error {
	others := 0
	for _, id := range r.Approvers {
		if strings.HasPrefix(id, "S") {
			return nil // a group: its size is not known here
		}
		if id != requester {
			others++
		}
	}
	if others < r.Required() {
		return &notAllowedError{action: fmt.Sprintf("request (rule %q needs %d approvers besides you, and lists %d) these", r.Name, r.Required(), others), who: r.Approvers}
	}
	return nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// withFreezeReason turns the store's "frozen" refusal into an error that
// carries the freeze's reason, for the person who hit it.
func (a *App) withFreezeReason(ctx context.Context, err error) error {
	var r *approvals.Refusal
	if !errors.As(err, &r) || r.Reason != approvals.ReasonFrozen {
		return err
	}
	reason, by, on, ferr := a.store.Freeze(ctx)
	if ferr != nil || !on {
		return err
	}
	return &frozenError{scope: "all restores", reason: reason, by: by}
}

// announceBreakGlass tells the incident channel and every approver of the
// rule, loudly, that a request skipped its usual approvals.
func (a *App) announceBreakGlass(ctx context.Context, r approvals.Request) {
	text := fmt.Sprintf(":rotating_light: *Break-glass restore request* `%s` by <@%s>: %s\nReason: %s\nRule %q normally needs %d approvals; this one needs 1 (never the requester). `/db-restore reviews` lists it until it is reviewed.",
		r.ID, r.Requester, whatLine(r), esc(r.BreakGlass), r.Rule.Name, max(r.Rule.BreakGlassFrom, r.Rule.Required()))
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
			err = &notAllowedError{action: "freeze or unfreeze", who: a.opt.Admins}
		}
		a.tell(ctx, u, explain(a.log, err))
		return
	}
	var text string
	if c.On {
		err = a.store.SetFreeze(ctx, u.id, c.Reason)
		text = fmt.Sprintf(":snowflake: <@%s> froze all restores: %s. New requests and approvals are refused until `/db-restore freeze off`; restores already running are not touched.", u.id, esc(c.Reason))
	} else {
		err = a.store.ClearFreeze(ctx, u.id)
		text = fmt.Sprintf(":sunny: <@%s> lifted the restore freeze. Requests and approvals are accepted again.", u.id)
	}
	if err != nil {
		a.tell(ctx, u, explain(a.log, storeErr(err)))
		return
	}
	a.log.Info().Str("user_id", u.id).Bool("frozen", c.On).Msg("restore freeze changed")
	a.homes.everyone(a.opt.Admins) // every Home tab shows the freeze
	a.announce(ctx, approvals.Request{Rule: approvals.Rule{IncidentChannel: a.opt.IncidentChannel}}, text)
	a.tell(ctx, u, text)
}

// onPolicy shows the rule in force for an instance and why it matched.
func (a *App) onPolicy(ctx context.Context, u user, ref string) {
	in, err := a.findInstance(ctx, ref)
	if err != nil {
		a.tell(ctx, u, explain(a.log, err))
		return
	}
	r, why := a.policy.Match(in)
	var b strings.Builder
	fmt.Fprintf(&b, "*Policy for %s*: %s\n", instanceLabel(in.Name, in.ID), esc(why.String()))
	fmt.Fprintf(&b, "• Approvals: needs %d of %s (never the requester)\n", r.Required(), mentionList(r.Approvers))
	if len(r.Requesters) > 0 {
		fmt.Fprintf(&b, "• Who may request: %s\n", mentionList(r.Requesters))
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
	b.WriteString(tablesPolicyLine(r.TablesAllowed(), t.Required(), t.Approvers))
	if ch := firstOf(r.ApprovalChannel, a.opt.ApprovalChannel); ch != "" {
		fmt.Fprintf(&b, "• Approval channel: <#%s>\n", ch)
	}
	if ch := firstOf(r.IncidentChannel, a.opt.IncidentChannel); ch != "" {
		fmt.Fprintf(&b, "• Incident channel: <#%s>\n", ch)
	}
	if r.Frozen {
		fmt.Fprintf(&b, "• :snowflake: *Frozen*: %s\n", esc(r.FrozenReason))
	}
	if reason, by, on, err := a.store.Freeze(ctx); err == nil && on {
		fmt.Fprintf(&b, "• :snowflake: All restores are frozen by <@%s>: %s\n", by, esc(reason))
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
