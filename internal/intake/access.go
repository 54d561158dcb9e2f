package intake

import (
	"context"
	"slices"

	"github.com/dbrestore/db-restore/internal/policy"
)

// Who may look: the request form (and its instance lists), `policy`,
// `list`, `status` and the Home tab's lists show the cloud's instances, the
// requests and the rules, so they are for people who may request (under
// any rule not frozen), approve (under any rule), use break-glass, or
// administer. When some rule not frozen lets anyone request, anyone may look.

// Role is what a person may do with restores.
type Role struct {
	Request, Approve, Admin bool
}

// None reports whether the person may neither request, approve nor administer.
func (r Role) None() bool { return !r.Request && !r.Approve && !r.Admin }

func (s *Service) rules() []policy.Rule {
	return append(append([]policy.Rule(nil), s.o.Policy.Rules...), s.o.Policy.Default)
}

// RoleOf says what a person may do under the policy: request (a rule not
// frozen names them, or lets anyone), approve (any rule names them),
// administer. A frozen rule lets nobody request.
func (s *Service) RoleOf(ctx context.Context, user string) (Role, error) {
	var r Role
	var err error
	if r.Admin, err = s.member(ctx, user, s.o.Admins); err != nil {
		return Role{}, err
	}
	for _, rule := range s.rules() {
		if !r.Request && !rule.Frozen {
			if len(rule.Requesters) == 0 {
				r.Request = true
			} else if r.Request, err = s.member(ctx, user, rule.Requesters); err != nil {
				return Role{}, err
			}
		}
		if !r.Approve {
			if r.Approve, err = s.member(ctx, user, rule.Approvers); err != nil {
				return Role{}, err
			}
		}
	}
	return r, nil
}

// MayRequest is nil when the person may request under some rule: the form
// (and the cloud's instances it lists) is only for them.
func (s *Service) MayRequest(ctx context.Context, user string) error {
	r, err := s.RoleOf(ctx, user)
	if err != nil {
		return err
	}
	if !r.Request {
		var who []string
		for _, rule := range s.rules() {
			who = append(who, rule.Requesters...)
		}
		return &NotAllowedError{Action: ActionRequest, Who: who}
	}
	return nil
}

// lookers are the IDs (users and groups) who may look; anyone is true when
// some rule not frozen lets anyone request.
func (s *Service) lookers() (who []string, anyone bool) {
	add := func(ids []string) {
		for _, id := range ids {
			if !slices.Contains(who, id) {
				who = append(who, id)
			}
		}
	}
	for _, r := range s.rules() {
		if len(r.Requesters) == 0 && !r.Frozen {
			return nil, true
		}
		add(r.Requesters)
		add(r.Approvers)
	}
	add(s.o.BreakGlass)
	add(s.o.Admins)
	return who, false
}

// MayLook is nil when user may see instances, requests and rules.
func (s *Service) MayLook(ctx context.Context, user string) error {
	who, anyone := s.lookers()
	if anyone {
		return nil
	}
	ok, err := s.member(ctx, user, who)
	if err != nil {
		return &UncheckedError{Step: StepLook, Source: SourceLookerGroups, Err: err}
	}
	if !ok {
		return &LookError{Who: who}
	}
	return nil
}

// IsAdmin reports whether user is one of the bot's admins; a refusal says
// who is, for action.
func (s *Service) IsAdmin(ctx context.Context, user string, action Action) error {
	ok, err := s.member(ctx, user, s.o.Admins)
	if err != nil {
		return &UncheckedError{Step: StepAdmin, Source: SourceAdminGroups, Err: err}
	}
	if !ok {
		return &NotAllowedError{Action: action, Who: s.o.Admins}
	}
	return nil
}
