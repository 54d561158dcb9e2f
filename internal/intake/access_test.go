package intake

import (
	"context"
	"slices"
	"testing"

	"github.com/dbrestore/db-restore/internal/policy"
)

func TestLookers(t *testing.T) {
	restricted := policy.Rule{Name: "default", Approvers: []string{"UAPP", "SDBA"}, Requesters: []string{"UREQ"}}
	tests := []struct {
		name   string
		rules  []policy.Rule
		anyone bool
		who    []string
	}{
		{"everyone restricted", []policy.Rule{{Name: "r", Approvers: []string{"UAPP2"}, Requesters: []string{"SREQ"}}}, false,
			[]string{"SREQ", "UAPP2", "UREQ", "UAPP", "SDBA", "UBG", "UADM"}},
		{"a rule anyone may request under", []policy.Rule{{Name: "open", Approvers: []string{"UAPP2"}}}, true, nil},
		{"a frozen open rule opens nothing", []policy.Rule{{Name: "open", Frozen: true}}, false,
			[]string{"UREQ", "UAPP", "SDBA", "UBG", "UADM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{o: Options{Policy: &policy.Policy{Rules: tt.rules, Default: restricted}, BreakGlass: []string{"UBG"}, Admins: []string{"UADM"}}}
			who, anyone := s.lookers()
			if anyone != tt.anyone || !sameSet(who, tt.who) {
				t.Errorf("lookers() = %q, %v; want %q, %v", who, anyone, tt.who, tt.anyone)
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A frozen rule lets nobody request, so it makes nobody a requester: the
// Home tab then shows its lists only to those `list` answers.
func TestRoleOf(t *testing.T) {
	restricted := policy.Rule{Name: "default", Approvers: []string{"UAPP"}, Requesters: []string{"UREQ"}}
	tests := []struct {
		name  string
		rules []policy.Rule
		user  string
		want  Role
	}{
		{"named requester", nil, "UREQ", Role{Request: true}},
		{"approver", nil, "UAPP", Role{Approve: true}},
		{"admin", nil, "UADM", Role{Admin: true}},
		{"outsider", nil, "UOUT", Role{}},
		{"anyone may request under an open rule", []policy.Rule{{Name: "open"}}, "UOUT", Role{Request: true}},
		{"a frozen open rule makes nobody a requester", []policy.Rule{{Name: "open", Frozen: true}}, "UOUT", Role{}},
		{"a frozen rule's approvers still approve", []policy.Rule{{Name: "open", Frozen: true, Approvers: []string{"UOUT"}}}, "UOUT", Role{Approve: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Service{o: Options{Policy: &policy.Policy{Rules: tt.rules, Default: restricted}, Admins: []string{"UADM"}, People: &groups{}}}
			got, err := s.RoleOf(context.Background(), tt.user)
			if err != nil || got != tt.want {
				t.Errorf("RoleOf(%s) = %+v, %v; want %+v", tt.user, got, err, tt.want)
			}
			_, anyone := s.lookers()
			if lookErr := s.MayLook(context.Background(), tt.user); got.None() != (lookErr != nil) && !anyone {
				t.Errorf("RoleOf(%s) = %+v but MayLook = %v: the Home tab and `list` disagree", tt.user, got, lookErr)
			}
		})
	}
}
