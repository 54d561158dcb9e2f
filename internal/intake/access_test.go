package intake

import (
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
