package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	idOrders  = "8d0a5d3ee1524b2c9c7c1b2d0f0e6d5ein07"
	idScratch = "0123456789abcdef0123456789abcdefin07"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func TestLoadExample(t *testing.T) {
	got, err := Load(filepath.Join("testdata", "example.yml"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	def := Rule{
		Name:                   "default",
		Approvers:              []string{"U012AB3CD", "U045EF6GH", "S0DBAONCALL"},
		RequiredApprovals:      1,
		Requesters:             []string{"S0ENGINEERS"},
		AllowOverwriteOriginal: true,
		ApprovalChannel:        "C0DBRESTORE",
		IncidentChannel:        "C0INCIDENTS",
	}
	want := &Policy{
		Source:  filepath.Join("testdata", "example.yml"),
		Default: def,
		Rules: []Rule{{
			Name:              "orders-prod",
			Match:             Matchers{Names: []string{"orders-prod*"}, IDs: []string{idOrders}},
			Approvers:         []string{"S0DBAONCALL"},
			RequiredApprovals: 2,
			Requesters:        []string{"S0ENGINEERS"},
			SafetyBackup:      yes(),
			ApprovalChannel:   "C0DBA",
			IncidentChannel:   "C0INC",
			Frozen:            true,
			FrozenReason:      "change freeze until 2026-12-01",
		}, {
			Name:                   "any-prod",
			Match:                  Matchers{Tags: map[string]string{"env": "prod"}},
			Approvers:              []string{"S0DBAONCALL", "U012AB3CD"},
			RequiredApprovals:      2,
			Requesters:             []string{"S0ENGINEERS"},
			AllowOverwriteOriginal: true,
			ApprovalChannel:        "C0DBRESTORE",
			IncidentChannel:        "C0INCIDENTS",
		}, {
			Name:                   "scratch",
			Match:                  Matchers{Names: []string{"scratch-*", "test-?-*"}, Tags: map[string]string{"env": "dev"}},
			Approvers:              []string{"U012AB3CD", "U045EF6GH"},
			RequiredApprovals:      1,
			AllowOverwriteOriginal: true,
			SafetyBackup:           no(),
			ApprovalChannel:        "C0DBRESTORE",
			IncidentChannel:        "C0INCIDENTS",
		}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Load(example.yml) mismatch (-got +want):\n%s", diff)
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want *Policy
	}{{
		name: "default only, defaults filled in",
		yaml: "default:\n  approvers: U012AB3CD\n",
		want: &Policy{Default: Rule{Name: "default", Approvers: []string{"U012AB3CD"}, RequiredApprovals: 1, AllowOverwriteOriginal: true}},
	}, {
		name: "empty rules list",
		yaml: "default: {approvers: [U1A]}\nrules: []\n",
		want: &Policy{Default: Rule{Name: "default", Approvers: []string{"U1A"}, RequiredApprovals: 1, AllowOverwriteOriginal: true}},
	}, {
		name: "a group may need more approvals than IDs listed",
		yaml: "default: {approvers: [S0DBA], required_approvals: 3}\n",
		want: &Policy{Default: Rule{Name: "default", Approvers: []string{"S0DBA"}, RequiredApprovals: 3, AllowOverwriteOriginal: true}},
	}, {
		name: "users only, threshold equal to the count",
		yaml: "default: {approvers: [U1A, W2B], required_approvals: 2}\n",
		want: &Policy{Default: Rule{Name: "default", Approvers: []string{"U1A", "W2B"}, RequiredApprovals: 2, AllowOverwriteOriginal: true}},
	}, {
		name: "frozen default needs no approvers",
		yaml: "default:\n  frozen:\n    reason: '  only listed instances  '\n",
		want: &Policy{Default: Rule{Name: "default", RequiredApprovals: 1, AllowOverwriteOriginal: true, Frozen: true, FrozenReason: "only listed instances"}},
	}, {
		name: "scalar ID and glob, tag with empty value, explicit safety off",
		yaml: "default: {approvers: [U1A], requesters: [U9Z], incident_channel: G0INC}\n" +
			"rules:\n" +
			"  - name: one\n" +
			"    match: {ids: " + idScratch + ", name: 'x*', tags: {keep: ''}}\n" +
			"    approvers: [U2B]\n" +
			"    safety_backup: false\n" +
			"    incident_channel: C0OTHER\n" +
			"    requesters: ~\n",
		want: &Policy{
			Default: Rule{Name: "default", Approvers: []string{"U1A"}, RequiredApprovals: 1, Requesters: []string{"U9Z"}, AllowOverwriteOriginal: true, IncidentChannel: "G0INC"},
			Rules: []Rule{{
				Name:  "one",
				Match: Matchers{IDs: []string{idScratch}, Names: []string{"x*"}, Tags: map[string]string{"keep": ""}},
				// requesters set to nothing: anyone, not the default's
				Approvers: []string{"U2B"}, RequiredApprovals: 1, AllowOverwriteOriginal: true,
				SafetyBackup: no(), IncidentChannel: "C0OTHER",
			}},
		},
	}, {
		name: "anchors and aliases",
		yaml: "default: {approvers: &dba [S0DBA, U1A]}\n" +
			"rules:\n" +
			"  - &base {name: a, match: {name: 'a*'}, approvers: *dba, required_approvals: 2}\n",
		want: &Policy{
			Default: Rule{Name: "default", Approvers: []string{"S0DBA", "U1A"}, RequiredApprovals: 1, AllowOverwriteOriginal: true},
			Rules: []Rule{{
				Name: "a", Match: Matchers{Names: []string{"a*"}}, Approvers: []string{"S0DBA", "U1A"},
				RequiredApprovals: 2, AllowOverwriteOriginal: true,
			}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.yaml), "p.yml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.want.Source = "p.yml"
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Parse mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

// lines joins YAML lines so a test can count them.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

const okDefault = "default: {approvers: [U012AB3CD]}"

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"empty file", "", "policy file p.yml, the file holds no settings; it needs at least a default rule, e.g. default: {approvers: [U012AB3CD]}"},
		{"comments only", "# nothing\n", "policy file p.yml, the file holds no settings; it needs at least a default rule, e.g. default: {approvers: [U012AB3CD]}"},
		{"document marker only", "---\n", "policy file p.yml, the file holds no settings; it needs at least a default rule, e.g. default: {approvers: [U012AB3CD]}"},
		{"null", "~\n", "policy file p.yml, the file holds no settings; it needs at least a default rule, e.g. default: {approvers: [U012AB3CD]}"},
		{"yaml syntax", lines(okDefault, "rules:", "  - name: a", "   bad"), "policy file p.yml, line 4: not valid YAML: did not find expected '-' indicator"},
		{"yaml sequence after mapping", lines("default:", "  approvers: [U1A]", "", "", "- b"), "policy file p.yml, line 5: not valid YAML: did not find expected key"},
		{"unclosed flow mapping", lines("default:", "  approvers: [U1A]", "rules:", "  - {name: a, match: {name: x}", "  - name: b"), "policy file p.yml, line 4: not valid YAML: did not find expected ',' or '}'"},
		{"unclosed quote", lines("default:", "  approvers: [U1A]", "  frozen: {reason: 'no", "rules: []"), "policy file p.yml, line 3: not valid YAML: found unexpected end of stream"},
		{"unknown alias", lines("default:", "  approvers: *dba", "rules: []"), "policy file p.yml, line 2: not valid YAML: unknown anchor 'dba' referenced"},
		{"CR line breaks", "default:\r  approvers: [U1A]\rrules:\r  - name: a\r   bad\r", "policy file p.yml, line 5: not valid YAML: did not find expected '-' indicator"},
		{"CRLF line breaks", "default:\r\n  approvers: [U1A]\r\nrules:\r\n  - name: a\r\n   bad\r\n", "policy file p.yml, line 5: not valid YAML: did not find expected '-' indicator"},
		{"bad second document", lines(okDefault, "---", "a: b: c"), "policy file p.yml, line 3: not valid YAML: mapping values are not allowed in this context"},
		{"tab indentation", lines("default:", "\tapprovers: [U1A]"), "policy file p.yml, line 2: not valid YAML: found character that cannot start any token"},
		{"two documents", lines(okDefault, "---", okDefault), "policy file p.yml, line 2: a second YAML document (after ---) is not accepted; put everything in one"},
		{"not a mapping", "- a\n", `policy file p.yml, line 1: must be a mapping with the keys default, rules, drills; got a list`},
		{"no default", lines("rules: []"), "policy file p.yml, line 1, default: is required: the rule in force when no rule matches, e.g. default: {approvers: [U012AB3CD]}"},
		{"unknown top key", lines(okDefault, "rule: []"), "policy file p.yml, line 2, rule: unknown key (did you mean rules?); accepted here: default, rules, drills"},
		{"duplicate key", lines(okDefault, "rules: []", "rules: []"), "policy file p.yml, line 3, rules: appears twice (first on line 2); keep one"},
		{"unknown key and no default", lines("base: &b {approvers: [U1A]}"), "policy file p.yml: 2 problems: line 1, base: unknown key; accepted here: default, rules, drills; line 1, default: is required: the rule in force when no rule matches, e.g. default: {approvers: [U012AB3CD]}"},
		{"merge key in rule", lines("default:", "  <<: {approvers: [U1A]}"), "policy file p.yml: 2 problems: line 2, default: YAML merge keys (<<) are not supported; write the keys out; line 2, default.approvers: must list at least one approver: a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"},
		{"misspelt rule key", lines("default:", "  approver: [U1A]"), "policy file p.yml: 2 problems: line 2, default.approver: unknown key (did you mean approvers?); accepted here: approvers, required_approvals, requesters, allow_overwrite_original, safety_backup, approval_channel, incident_channel, frozen, table_restore, max_backup_age, new_instance; line 2, default.approvers: must list at least one approver: a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"},
		{"match in default", lines("default:", "  approvers: [U1A]", "  match: {name: x}"), "policy file p.yml, line 3, default.match: the default rule covers every instance no rule matches; put a rule with match under rules:"},
		{"name in default", lines("default:", "  name: d", "  approvers: [U1A]"), `policy file p.yml, line 2, default.name: the default rule is always called "default"; remove name`},
		{"empty approvers", lines("default:", "  approvers: []"), "policy file p.yml, line 2, default.approvers: must list at least one approver: a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"},
		{"approver by name", lines("default:", "  approvers: [U1A, '@alice']"), `policy file p.yml, line 2, default.approvers[1]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got "@alice" (an ID, not a name: copy it from the profile or channel details)`},
		{"approver lower case", lines("default:", "  approvers:", "    - u012ab3cd"), `policy file p.yml, line 3, default.approvers[0]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got "u012ab3cd" (Slack IDs are upper case)`},
		{"approver is a channel", lines("default: {approvers: [C0DBA]}"), `policy file p.yml, line 1, default.approvers[0]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got "C0DBA" (that is a channel ID)`},
		{"approver twice", lines("default:", "  approvers:", "    - U1A", "    - U1A"), "policy file p.yml, line 4, default.approvers[1]: U1A is listed twice (first on line 3)"},
		{"approver is a list", lines("default: {approvers: [[U1A]]}"), "policy file p.yml, line 1, default.approvers[0]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got a list"},
		{"requester bad", lines("default: {approvers: [U1A], requesters: [bob]}"), `policy file p.yml, line 1, default.requesters[0]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got "bob"`},
		{"required zero", lines("default:", "  approvers: [U1A]", "  required_approvals: 0"), "policy file p.yml, line 3, default.required_approvals: must be at least 1; got 0"},
		{"required not a number", lines("default:", "  approvers: [U1A]", "  required_approvals: two"), `policy file p.yml, line 3, default.required_approvals: must be a whole number such as 2; got "two"`},
		{"required quoted", lines("default:", "  approvers: [U1A]", "  required_approvals: '1'"), `policy file p.yml, line 3, default.required_approvals: must be a whole number such as 2; got "1"`},
		{"required above users", lines("default:", "  approvers: [U1A, U2B]", "  required_approvals: 3"), "policy file p.yml, line 3, default.required_approvals: must be from 1 to 2, the number of approvers listed (all users, so no one else can approve); got 3; list more approvers or a user group (S…)"},
		{"bool as yes", lines("default:", "  approvers: [U1A]", "  safety_backup: yes"), `policy file p.yml, line 3, default.safety_backup: must be true or false; got "yes"`},
		{"bool empty", lines("default:", "  approvers: [U1A]", "  allow_overwrite_original:"), `policy file p.yml, line 3, default.allow_overwrite_original: must be true or false; got nothing`},
		{"channel by name", lines("default:", "  approvers: [U1A]", "  approval_channel: '#dba'"), `policy file p.yml, line 3, default.approval_channel: must be a Slack channel ID (C… or G…) such as C0123ABCD; got "#dba" (an ID, not a name: copy it from the profile or channel details)`},
		{"channel is a user", lines("default:", "  approvers: [U1A]", "  incident_channel: U1A"), `policy file p.yml, line 3, default.incident_channel: must be a Slack channel ID (C… or G…) such as C0123ABCD; got "U1A" (that is a user or group ID)`},
		{"frozen true", lines("default:", "  approvers: [U1A]", "  frozen: true"), `policy file p.yml, line 3, default.frozen: must be a mapping with a reason, e.g. frozen: {reason: "change freeze until 2026-12-01"}; got "true"; remove frozen to thaw`},
		{"frozen no reason", lines("default:", "  approvers: [U1A]", "  frozen: {}"), `policy file p.yml, line 3, default.frozen: needs a reason, e.g. frozen: {reason: "change freeze until 2026-12-01"}; remove frozen to thaw`},
		{"frozen blank reason", lines("default:", "  approvers: [U1A]", "  frozen:", "    reason: ' '"), `policy file p.yml, line 4, default.frozen.reason: must not be empty: it is what people are told, e.g. "change freeze until 2026-12-01"`},
		{"frozen extra key", lines("default:", "  approvers: [U1A]", "  frozen: {reason: x, until: 2026-12-01}"), `policy file p.yml, line 3, default.frozen.until: unknown key; accepted here: reason`},
		{"rules not a list", lines(okDefault, "rules: {name: a}"), "policy file p.yml, line 2, rules: must be a list of rules (each starting with - name: …); got a mapping"},
		{"rule without name and match", lines(okDefault, "rules:", "  - approvers: [U1A]"), "policy file p.yml: 2 problems: line 3, rules[0]: needs a name: a unique label such as orders-prod; line 3, rules[0]: needs a match: at least one of ids, name, tags"},
		{"rule named default", lines(okDefault, "rules:", "  - {name: default, match: {name: x}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].name: "default" is the name of the default rule; choose another`},
		{"rule name with spaces", lines(okDefault, "rules:", "  - {name: orders prod, match: {name: x}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].name: must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; got "orders prod"`},
		{"duplicate rule names", lines(okDefault, "rules:", "  - {name: a, match: {name: x}, approvers: [U1A]}", "  - name: a", "    match: {name: y}", "    approvers: [U1A]"), `policy file p.yml, line 4, rules[1].name: rule name "a" is already used by rules[0]; names must be unique`},
		{"rule without approvers", lines(okDefault, "rules:", "  - name: a", "    match: {name: x}"), "policy file p.yml, line 3, rules[0].approvers: must list at least one approver: a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"},
		{"empty match", lines(okDefault, "rules:", "  - name: a", "    match: {}", "    approvers: [U1A]"), "policy file p.yml, line 4, rules[0].match: must have at least one of ids, name, tags"},
		{"match unknown key", lines(okDefault, "rules:", "  - name: a", "    match: {names: 'a*'}", "    approvers: [U1A]"), "policy file p.yml, line 4, rules[0].match.names: unknown key (did you mean name?); accepted here: ids, name, tags"},
		{"bad glob", lines(okDefault, "rules:", "  - name: a", "    match:", "      name: [ok*, 'orders-[']", "    approvers: [U1A]"), `policy file p.yml, line 5, rules[0].match.name[1]: must be a name glob such as "orders-prod*" (* any characters, ? one, [a-z] a class, \ escapes); "orders-[" is not a valid glob`},
		{"bad glob past a mismatch", lines(okDefault, "rules:", "  - {name: a, match: {name: 'zz[\\'}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.name: must be a name glob such as "orders-prod*" (* any characters, ? one, [a-z] a class, \ escapes); "zz[\\" is not a valid glob`},
		{"empty glob", lines(okDefault, "rules:", "  - {name: a, match: {name: ''}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.name: must be a name glob such as "orders-prod*" (* any characters, ? one, [a-z] a class, \ escapes); got an empty string`},
		{"bad instance id", lines(okDefault, "rules:", "  - name: a", "    match:", "      ids:", "        - "+idOrders, "        - orders-prod-1", "    approvers: [U1A]"), `policy file p.yml, line 7, rules[0].match.ids[1]: must be an instance ID (32 lower-case hex characters followed by in07); got "orders-prod-1"`},
		{"ids empty", lines(okDefault, "rules:", "  - {name: a, match: {ids: }, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.ids: must list at least one instance ID (32 lower-case hex characters followed by in07); or remove ids`},
		{"ids empty list", lines(okDefault, "rules:", "  - {name: a, match: {ids: []}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.ids: must list at least one instance ID (32 lower-case hex characters followed by in07); or remove ids`},
		{"names empty list", lines(okDefault, "rules:", "  - {name: a, match: {name: []}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.name: must list at least one name glob such as "orders-prod*" (* any characters, ? one, [a-z] a class, \ escapes); or remove name`},
		{"tags empty", lines(okDefault, "rules:", "  - {name: a, match: {tags: {}}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.tags: must have at least one tag key and value, e.g. tags: {env: prod}; or remove tags`},
		{"tags as list", lines(okDefault, "rules:", "  - {name: a, match: {tags: [env=prod]}, approvers: [U1A]}"), `policy file p.yml, line 3, rules[0].match.tags: must be a mapping of tag key to value, e.g. tags: {env: prod}; got a list`},
		{"tag value missing", lines(okDefault, "rules:", "  - name: a", "    match:", "      tags:", "        env:", "    approvers: [U1A]"), `policy file p.yml, line 6, rules[0].match.tags.env: must be a tag value (write "" for an empty value); got nothing`},
		{"several problems in file order", lines("default:", "  approvers: [x]", "rules:", "  - name: a", "    match: {name: b}", "    approvers: [U1A]", "    required_approvals: 5"),
			`policy file p.yml: 2 problems: line 2, default.approvers[0]: must be a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD; got "x"; line 7, rules[0].required_approvals: must be from 1 to 1, the number of approvers listed (all users, so no one else can approve); got 5; list more approvers or a user group (S…)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol, err := Parse([]byte(tt.yaml), "p.yml")
			if err == nil {
				t.Fatalf("Parse = %+v, nil; want error %q", pol, tt.want)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse error %T %v is not a *Error", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestParseTooManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("default:\n  approvers:\n")
	for range maxProblems + 5 {
		b.WriteString("    - bad\n")
	}
	_, err := Parse([]byte(b.String()), "p.yml")
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("Parse error = %v, want *Error", err)
	}
	if got, want := len(perr.Problems), maxProblems+1; got != want {
		t.Fatalf("got %d problems, want %d", got, want)
	}
	if got, want := perr.Problems[maxProblems].Msg, "and 5 more"; got != want {
		t.Errorf("last problem %q, want %q", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yml")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("default: {approvers: []}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.yml"), "read policy file: open " + filepath.Join(dir, "missing.yml") + ": no such file or directory"},
		{big, "policy file " + big + ", the file is larger than 1048576 bytes; is this the right file?"},
		{bad, "policy file " + bad + ", line 1, default.approvers: must list at least one approver: a Slack user ID (U… or W…) or user-group ID (S…) such as U012AB3CD"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			_, err := Load(tt.path)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load error\n got: %v\nwant: %s", err, tt.want)
			}
		})
	}
}

func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("default:\n  approvers: &a [")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "U%04dX", i)
	}
	b.WriteString("]\nrules:\n  - &r {name: r, match: {name: x}, approvers: *a}\n")
	for range 3000 {
		b.WriteString("  - *r\n")
	}
	start := time.Now()
	_, err := Parse([]byte(b.String()), "p.yml")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Parse took %v", elapsed)
	}
	want := "policy file p.yml, line 2: the file stands for too much through YAML aliases (*name); write the repeated parts out or alias less"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error\n got: %v\nwant: %s", err, want)
	}
}

func TestParseSyntaxErrorInBigFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("default: {approvers: [U1A]}\nrules:\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  - {name: r%d, match: {name: x}, approvers: [U1A]}\n", i)
	}
	b.WriteString("  - {name: broken, match: {name: x}\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "  - {name: s%d, match: {name: x}, approvers: [U1A]}\n", i)
	}
	_, err := Parse([]byte(b.String()), "p.yml")
	want := "policy file p.yml, line 2003: not valid YAML: did not find expected ',' or '}'"
	if err == nil || err.Error() != want {
		t.Errorf("Parse error\n got: %v\nwant: %s", err, want)
	}
}
