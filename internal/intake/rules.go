package intake

import (
	"context"
	"strings"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/policy"
	"github.com/dbrestore/db-restore/internal/restore"
)

// RuleFor decides the rule in force for a new request and captures it: the
// policy rule matching the target (the source, for a table restore),
// checked against the requester and the restore, with break-glass applied.
// It also returns the approval channel (origin when nothing else is set).
func (s *Service) RuleFor(ctx context.Context, requester, origin string, plan restore.Plan, breakGlass string) (approvals.Rule, string, error) {
	tables, fresh := plan.Type == restore.TypeTables, plan.Type == restore.TypeNewInstance
	match := plan.Target
	if tables || fresh {
		match = plan.Source
	}
	r, why := s.o.Policy.Match(match)
	if r.Frozen {
		return approvals.Rule{}, "", &FrozenError{Rule: r.Name, Reason: r.FrozenReason}
	}
	if tables && !r.TablesAllowed() {
		return approvals.Rule{}, "", &FieldProblem{Field: restore.FieldTables, Problem: ProblemTables, Rule: r.Name, Instance: plan.Source.Name}
	}
	overwrite := !tables && !fresh && plan.Source.ID == plan.Target.ID
	rule := approvals.Rule{
		Name: r.Name, Approvers: r.Approvers, RequiredApprovals: r.Required(),
		SafetyBackup: r.SafetyBackupFor(overwrite), IncidentChannel: firstOf(r.IncidentChannel, s.o.IncidentChannel),
		Why: why.String(),
	}
	if tables { // the table_restore settings, no safety backup
		r = r.TableRule()
		rule = approvals.Rule{
			Name: r.Name, Approvers: r.Approvers, RequiredApprovals: r.Required(),
			IncidentChannel: firstOf(r.IncidentChannel, s.o.IncidentChannel),
			Why:             why.String() + "; table restore settings",
		}
	}
	if fresh { // the new_instance settings, no safety backup
		r, rule = s.newInstanceRule(r, why)
	}
	if err := s.mayRequestUnder(ctx, requester, r); err != nil {
		return approvals.Rule{}, "", err
	}
	if overwrite && !r.AllowOverwriteOriginal {
		return approvals.Rule{}, "", &FieldProblem{Field: restore.FieldTarget, Problem: ProblemOverwrite, Rule: r.Name, Instance: plan.Target.Name}
	}
	if err := s.applyBreakGlass(ctx, &rule, requester, breakGlass); err != nil {
		return approvals.Rule{}, "", err
	}
	if err := reachable(rule, requester); err != nil {
		return approvals.Rule{}, "", err
	}
	return rule, firstOf(r.ApprovalChannel, s.o.ApprovalChannel, origin), nil
}

// mayRequestUnder refuses a requester the rule does not name.
func (s *Service) mayRequestUnder(ctx context.Context, requester string, r policy.Rule) error {
	if len(r.Requesters) == 0 {
		return nil
	}
	ok, err := s.member(ctx, requester, r.Requesters)
	if err != nil {
		return err
	}
	if !ok {
		return &NotAllowedError{Action: ActionRequest, Who: r.Requesters}
	}
	return nil
}

// applyBreakGlass lowers the rule's threshold to one approver when the
// requester may and did ask for break-glass.
func (s *Service) applyBreakGlass(ctx context.Context, rule *approvals.Rule, requester, breakGlass string) error {
	if breakGlass == "" {
		return nil
	}
	ok, err := s.member(ctx, requester, s.o.BreakGlass)
	if err != nil {
		return err
	}
	if !ok {
		return &NotAllowedError{Action: ActionBreakGlass, Who: s.o.BreakGlass}
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
		return &UnreachableError{Rule: r.Name, Needs: r.Required(), Lists: others, Who: r.Approvers}
	}
	return nil
}

// ruleNow is the rule in force today for req's target. A rule matching on
// tags needs the target's tags: when the cloud cannot say, there is no rule.
func (s *Service) ruleNow(ctx context.Context, req approvals.Request) (policy.Rule, error) {
	target := restore.Instance{ID: req.Params.TargetID, Name: req.Params.TargetName}
	if req.Params.Type == approvals.TypeNewInstance { // its rule is the source's
		target = restore.Instance{ID: req.Params.SourceID, Name: req.Params.SourceName}
	}
	// Offline (a dry run without credentials) requests were matched without
	// tags when they were made, and are matched the same way now.
	if s.o.Instances != nil && s.o.Policy.MatchesTags() { // tags need a read; IDs and names do not
		in, err := s.o.Instances.Instance(ctx, target.ID)
		if err != nil {
			s.o.Metrics.APIError("gaussdb", "instance")
			return policy.Rule{}, &UncheckedError{Step: StepClick, Source: SourceTargetTags, Err: err}
		}
		target = in // with its tags, for tag rules
	}
	r, _ := s.o.Policy.Match(target)
	if req.Params.Type == approvals.TypeTables {
		return tableRuleNow(r), nil
	}
	if req.Params.Type == approvals.TypeNewInstance {
		t := r.NewInstanceRule()
		if r.NewInstance.Disallowed && !t.Frozen {
			t.Frozen, t.FrozenReason = true, "the rule no longer allows restores to a new instance"
		}
		return t, nil
	}
	return r, nil
}

// tableRuleNow is the rule in force today as it applies to a table
// restore: its table_restore approvers and threshold; a rule that no longer
// allows table restores refuses clicks like a frozen one.
func tableRuleNow(r policy.Rule) policy.Rule {
	t := r.TableRule()
	if !r.TablesAllowed() && !t.Frozen {
		t.Frozen, t.FrozenReason = true, "the rule no longer allows table restores"
	}
	return t
}
