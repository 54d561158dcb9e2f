package slackview

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/restore"
)

// The words of intake's refusals, one kind each (explain calls this first).

var (
	stepWords = map[intake.Step]string{
		intake.StepClick: "Your click was not counted",
		intake.StepLook:  "Nothing was shown",
		intake.StepAdmin: "Nothing was shown or changed",
	}
	sourceWords = map[intake.Source]string{
		intake.SourceTargetTags:     "the target instance's tags from GaussDB",
		intake.SourceApproverGroups: "the approvers' user groups from Slack",
		intake.SourceLookerGroups:   "who may use the bot (user groups) from Slack",
		intake.SourceAdminGroups:    "the admins' user groups from Slack",
	}
	actionWords = map[intake.Action]string{
		intake.ActionRequest:     "request",
		intake.ActionBreakGlass:  "use break_glass= for",
		intake.ActionFreeze:      "freeze or unfreeze",
		intake.ActionListReviews: "list break-glass reviews of",
		intake.ActionRunDrill:    "start drill",
		intake.ActionReview:      "review break-glass",
	}
)

// intakeWords words an intake refusal; ok is false for any other error.
func intakeWords(err error) (string, bool) {
	var (
		unchecked *intake.UncheckedError
		busy      *intake.BusyError
		look      *intake.LookError
		pol       *intake.PolicyError
		frozen    *intake.FrozenError
		denied    *intake.NotAllowedError
		unreach   *intake.UnreachableError
	)
	switch {
	case errors.As(err, &pol):
		return policyWords(pol), true
	case errors.As(err, &unchecked):
		return fmt.Sprintf(":hourglass: %s: the bot could not read %s, which it needs to check the approval rules (%s). Nothing changed; please try again in a minute.",
			stepWords[unchecked.Step], sourceWords[unchecked.Source], esc(unchecked.Err.Error())), true
	case errors.As(err, &busy):
		return fmt.Sprintf(":hourglass: Your click was not counted: other approvals of `%s` were being counted at the same moment. Nothing changed; please click again.", busy.ID), true
	case errors.As(err, &look):
		return ":no_entry: Only people who may request, approve or administer database restores can use `/db-restore` to see instances, requests and rules. Allowed: " +
			mentionList(look.Who) + ". Ask one of the bot's admins to be added.", true
	case errors.As(err, &frozen):
		return frozenWords(frozen), true
	case errors.As(err, &denied):
		return notAllowedWords(actionWords[denied.Action], denied.Who), true
	case errors.As(err, &unreach):
		action := fmt.Sprintf("request (rule %q needs %d approvers besides you, and lists %d) these", unreach.Rule, unreach.Needs, unreach.Lists)
		return notAllowedWords(action, unreach.Who), true
	}
	return "", false
}

func notAllowedWords(action string, who []string) string {
	s := fmt.Sprintf(":no_entry: You are not allowed to %s restores.", action)
	if len(who) > 0 {
		s += " Allowed: " + mentionList(who) + "."
	}
	return s
}

func frozenWords(e *intake.FrozenError) string {
	scope := "all restores"
	if e.Rule != "" {
		scope = fmt.Sprintf("rule %q", e.Rule)
	}
	s := fmt.Sprintf(":snowflake: Restores are frozen (%s): %s. Nothing was changed.", scope, esc(e.Reason))
	if e.By != "" {
		s += fmt.Sprintf(" Frozen by <@%s>; an admin lifts it with `/db-restore freeze off`.", e.By)
	}
	return s
}

// policyWords explains why a replica refuses to act: its rules or settings
// are not the ones in force, or it cannot tell.
func policyWords(e *intake.PolicyError) string {
	var mis *approvals.PolicyMismatchError
	if !errors.As(e.Err, &mis) {
		return ":hourglass: Nothing was done: the bot could not confirm which approval rules are in force (" + esc(e.Err.Error()) + "). Nothing changed; please try again in a minute."
	}
	s := fmt.Sprintf(":no_entry: Nothing was done: this replica of the bot was started with other approval rules (policy `%s` from %s) than the rules in force (policy `%s` from %s, since %s), so it acts on nothing.",
		mis.Mine, esc(mis.MySource), mis.InForce.Hash, esc(mis.InForce.Source), stamp(mis.InForce.Since))
	if d := intake.Differs(mis); len(d) > 0 {
		s += " Its settings differ in " + strings.Join(d, ", ") + "."
	}
	return s + " Nothing changed; try again in a minute, and tell the bot's operators."
}

// AsField finds a refusal of one field: the cloud's, or the policy's
// (worded here), so that the form can show it next to its field.
func AsField(err error, out **restore.FieldError) bool {
	if errors.As(err, out) {
		return true
	}
	var p *intake.FieldProblem
	if !errors.As(err, &p) {
		return false
	}
	fe := &restore.FieldError{Field: p.Field}
	switch p.Problem {
	case intake.ProblemNoReason:
		fe.Problem, fe.Accepted = "a reason is required", "a short sentence saying why the restore is needed"
	case intake.ProblemOverwrite:
		fe.Problem = fmt.Sprintf("the policy rule %q does not allow restoring onto the original instance %s", p.Rule, p.Instance)
		fe.Accepted = "another existing instance as target= (same engine, version and lower_case_table_names)"
	case intake.ProblemTables:
		fe.Problem = fmt.Sprintf("the policy rule %q does not allow table restores of %s", p.Rule, p.Instance)
		fe.Accepted = "a whole-instance restore into another instance (backup= or time= with target=)"
	}
	*out = fe
	return true
}

// DroppedWords says whose approvals an approval dropped, and why.
func DroppedWords(dropped []string, rule string) string {
	if len(dropped) == 0 {
		return ""
	}
	return fmt.Sprintf(":heavy_multiplication_x: Approval by %s dropped: no longer an approver under rule %q (removed from the rule or from its user group). It no longer counts.\n",
		mentionList(dropped), rule)
}
