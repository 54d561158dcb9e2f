package command

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	long500 := strings.Repeat("é", MaxReasonLen)
	tests := []struct {
		name string
		text string
		want Command
	}{
		{"empty opens the form", "", Open{}},
		{"blank opens the form", " \t\n ", Open{}},
		{"help", "help", Help{}},
		{"help any case and extra words", "  HeLp me please", Help{}},
		{"backup restore", `source=orders-prod target=orders-restore backup=b1br07 reason="bad migration"`,
			Request{Source: "orders-prod", Target: "orders-restore", BackupID: "b1br07", Reason: "bad migration"}},
		{"target optional", `source=orders-prod backup=b1 reason=oops`,
			Request{Source: "orders-prod", BackupID: "b1", Reason: "oops"}},
		{"keys any case, any order", `REASON="x y" Backup=b1 SoUrCe=s`,
			Request{Source: "s", BackupID: "b1", Reason: "x y"}},
		{"time restore RFC 3339", `source=s time=2026-11-26T09:30:00Z reason=r`,
			Request{Source: "s", Time: "2026-11-26T09:30:00Z", Reason: "r"}},
		{"time restore wall clock quoted", `source=s time="2026-11-26 09:30" reason=r`,
			Request{Source: "s", Time: "2026-11-26 09:30", Reason: "r"}},
		{"time restore milliseconds", `source=s time=1795685400000 reason=r`,
			Request{Source: "s", Time: "1795685400000", Reason: "r"}},
		{"time in a DST gap passes syntax; the caller's zone decides", `source=s time="2026-03-08 02:30" reason=r`,
			Request{Source: "s", Time: "2026-03-08 02:30", Reason: "r"}},
		{"ticket and break glass", `source=s backup=b reason="r" ticket="INC-981" break_glass="outage, nobody awake"`,
			Request{Source: "s", BackupID: "b", Reason: "r", Ticket: "INC-981", BreakGlass: "outage, nobody awake"}},
		{"smart quotes", `source=s backup=b reason=“restore after the bad deploy”`,
			Request{Source: "s", BackupID: "b", Reason: "restore after the bad deploy"}},
		{"right smart quotes both ends", `source=s backup=b reason=”two words”`,
			Request{Source: "s", BackupID: "b", Reason: "two words"}},
		{"left smart quotes both ends", `source=s backup=b reason=“two words“`,
			Request{Source: "s", BackupID: "b", Reason: "two words"}},
		{"smart quotes inside straight quotes are literal", `source=s backup=b reason="the “prod” db"`,
			Request{Source: "s", BackupID: "b", Reason: "the “prod” db"}},
		{"straight quotes inside smart quotes are literal", `source=s backup=b reason=“the "prod" db”`,
			Request{Source: "s", BackupID: "b", Reason: `the "prod" db`}},
		{"escaped quote", `source=s backup=b reason="say \"hi\" \“x\” \\ done"`,
			Request{Source: "s", BackupID: "b", Reason: `say "hi" “x” \ done`}},
		{"other backslashes are literal", `source=s backup=b reason="C:\temp\n"`,
			Request{Source: "s", BackupID: "b", Reason: `C:\temp\n`}},
		{"quoted part inside a word", `source=s backup=b reason=fix"ed it"`,
			Request{Source: "s", BackupID: "b", Reason: "fixed it"}},
		{"equals inside a value", `source=s backup=b reason=a=b`,
			Request{Source: "s", BackupID: "b", Reason: "a=b"}},
		{"Slack entities are decoded once", `source=s backup=b reason="a &amp; b &lt;x&gt; &amp;lt;"`,
			Request{Source: "s", BackupID: "b", Reason: "a & b <x> &lt;"}},
		{"values are trimmed", `source=" s " backup=b reason="  why  "`,
			Request{Source: "s", BackupID: "b", Reason: "why"}},
		{"line breaks between fields and inside the reason", "source=s\nbackup=b\treason=\"line one\nline two\"",
			Request{Source: "s", BackupID: "b", Reason: "line one\nline two"}},
		{"non-breaking space separates", "source=s\u00a0backup=b\u00a0reason=r",
			Request{Source: "s", BackupID: "b", Reason: "r"}},
		{"reason at the length limit", `source=s backup=b reason="` + long500 + `"`,
			Request{Source: "s", BackupID: "b", Reason: long500}},
		{"list", "list", List{Page: 1}},
		{"list page", "LIST 3", List{Page: 3}},
		{"list last page", "list 1000", List{Page: 1000}},
		{"status", "status req-1", Status{ID: "req-1"}},
		{"cancel", "Cancel req-2", Cancel{ID: "req-2"}},
		{"review", "review req-3", Review{ID: "req-3"}},
		{"review done quoted", `review req-3 done "primary was down"`, Review{ID: "req-3", Done: true, Note: "primary was down"}},
		{"review done words", "Review req-3 DONE primary  was down", Review{ID: "req-3", Done: true, Note: "primary was down"}},
		{"review done note=", `review req-3 done note="ok"`, Review{ID: "req-3", Done: true, Note: "ok"}},
		{"reviews", "reviews", Reviews{}},
		{"policy", "policy orders-prod", Policy{Instance: "orders-prod"}},
		{"freeze on quoted", `freeze on "schema migration"`, Freeze{On: true, Reason: "schema migration"}},
		{"freeze on smart quoted", `Freeze ON “migration”`, Freeze{On: true, Reason: "migration"}},
		{"freeze on reason=", `freeze on reason="migration"`, Freeze{On: true, Reason: "migration"}},
		{"freeze on bare words", "freeze on schema   migration\ttoday", Freeze{On: true, Reason: "schema migration today"}},
		{"freeze off", "freeze OFF", Freeze{On: false}},
		{"table restore", `source=shop-prod tables="shop.orders,shop.payments" time="2026-11-26 09:30" reason="bad UPDATE"`,
			Request{Source: "shop-prod", Tables: []string{"shop.orders", "shop.payments"}, Time: "2026-11-26 09:30", Reason: "bad UPDATE"}},
		{"table restore with db.*, suffix, blanks and repeats", `tables=" shop.* ,, logs.t$1 ,shop.*" suffix=_restored source=s time=1795685400000 reason=r ticket=INC-1`,
			Request{Source: "s", Tables: []string{"shop.*", "logs.t$1"}, Suffix: "_restored", Time: "1795685400000", Reason: "r", Ticket: "INC-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.text, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // substrings of the message
	}{
		{"unknown field", `source=s tgt=x backup=b reason=r`,
			[]string{`unknown field "tgt"`, "use source=, target=, backup=, time=, tables=, suffix=, name=, keep=, reason=, ticket=, break_glass="}},
		{"duplicate field", `source=a source=b backup=b reason=r`, []string{"source= is given twice"}},
		{"duplicate field, other case", `source=a SOURCE=b backup=b reason=r`, []string{"source= is given twice"}},
		{"missing value", `source= backup=b reason=r`, []string{"missing value for source=", "source=orders-prod"}},
		{"missing value at end", `source=s backup=b reason=`, []string{"missing value for reason="}},
		{"empty quoted value", `source="" backup=b reason=r`, []string{"missing value for source="}},
		{"no field name", `source=s =x backup=b reason=r`, []string{`"=x" has no field name`}},
		{"unterminated quote", `source=s backup=b reason="bad deploy`, []string{"unterminated quote", `"\"bad deploy"`}},
		{"unterminated after escape", `source=s backup=b reason="bad\"`, []string{"unterminated quote"}},
		{"mismatched quote kinds", `source=s backup=b reason="bad deploy”`, []string{"unterminated quote", "same kind of quote mark"}},
		{"both backup and time", `source=s backup=b time=1795685400000 reason=r`, []string{"backup= or time=, not both"}},
		{"neither backup nor time", `source=s reason=r`, []string{"missing backup= or time= (what to restore)"}},
		{"missing reason", `source=s backup=b`, []string{"missing reason= (why the restore is needed)"}},
		{"missing source", `backup=b reason=r`, []string{"missing source= (the instance to restore from)"}},
		{"missing several", `target=t`, []string{"missing source= (the instance to restore from), backup= or time= (what to restore) and reason="}},
		{"empty reason", `source=s backup=b reason=""`, []string{"reason= is empty", "say why"}},
		{"blank reason", `source=s backup=b reason="   "`, []string{"reason= is empty"}},
		{"empty break glass", `source=s backup=b reason=r break_glass=“”`, []string{"break_glass= is empty"}},
		{"reason too long", `source=s backup=b reason="` + strings.Repeat("x", MaxReasonLen+1) + `"`,
			[]string{"reason= is too long: 501 characters, at most 500"}},
		{"ticket too long", `source=s backup=b reason=r ticket=` + strings.Repeat("x", MaxTicketLen+1),
			[]string{"ticket= is too long: 201 characters, at most 200"}},
		{"ticket with a line break", "source=s backup=b reason=r ticket=\"a\nb\"", []string{"ticket= contains a control character"}},
		{"reason with a control character", "source=s backup=b reason=\"a\x00b\"", []string{"reason= contains a control character"}},
		{"reason with a bidi override", "source=s backup=b reason=\"a\u202Eb\"", []string{"reason= contains a control character"}},
		{"source with a space", `source="orders prod" backup=b reason=r`, []string{`source= "orders prod" must be one word`}},
		{"source with a zero-width space", "source=orders\u200bprod backup=b reason=r", []string{"contains a control or invisible character"}},
		{"backup too long", `source=s backup=` + strings.Repeat("b", MaxIDLen+1) + ` reason=r`, []string{"backup= is too long: 129 characters, at most 128"}},
		{"unquoted reason with spaces", `source=s backup=b reason=bad deploy`,
			[]string{`unexpected "deploy" after "reason=bad"`, "must be in quotes"}},
		{"field then space then equals", `source=s backup=b reason = "x"`, []string{`"reason" needs = right after it`}},
		{"first field without equals", `source orders-prod backup=b reason=r`, []string{`"source" needs = right after it`}},
		{"unreadable time", `source=s time=yesterday reason=r`, []string{`cannot read the time "yesterday"`, "accepted:"}},
		{"time in seconds", `source=s time=1795685400 reason=r`, []string{"looks like UNIX seconds", "1795685400000"}},
		{"time too long", `source=s time="` + strings.Repeat("1", 65) + `" reason=r`, []string{"time= is too long"}},
		{"invalid UTF-8", "source=s backup=\xff reason=r", []string{"not valid UTF-8"}},
		{"unknown command", `restore source=s`, []string{`unknown command "restore"`, "list [PAGE]", "source="}},
		{"quoted command word", `"help"`, []string{`unknown command "\"help\""`}},
		{"list words", "list two", []string{`list page "two" is not a number from 1 to 1000`}},
		{"list zero", "list 0", []string{"not a number from 1 to 1000"}},
		{"list too far", "list 1001", []string{"not a number from 1 to 1000"}},
		{"list signed", "list +2", []string{"not a number"}},
		{"list two args", "list 1 2", []string{"list takes at most a page number"}},
		{"list key", "list page=2", []string{"list takes at most a page number"}},
		{"status without id", "status", []string{"status needs a request ID, e.g. status ID"}},
		{"status two ids", "status a b", []string{"status takes just a request ID"}},
		{"status id=", "status id=a", []string{"status takes just a request ID"}},
		{"status blank id", `status " "`, []string{"status needs a request ID"}},
		{"cancel without id", "cancel", []string{"cancel needs a request ID"}},
		{"review without id", "review", []string{"review needs a request ID"}},
		{"review invisible id", "review a\u200b", []string{"contains a control or invisible character"}},
		{"review done without note", "review a done", []string{"review ID done needs a note"}},
		{"review done empty note", `review a done ""`, []string{"review ID done needs a note"}},
		{"review other word", `review a ok "fine"`, []string{`review takes a request ID, and done "note"`}},
		{"review quoted done", `review a "done" fine`, []string{`review takes a request ID, and done "note"`}},
		{"review id=", "review id=a", []string{"review takes just a request ID"}},
		{"review done other field", `review a done reason="x"`, []string{`unknown field "reason"`}},
		{"review done long note", `review a done "` + strings.Repeat("x", MaxReasonLen+1) + `"`, []string{"the review note is too long"}},
		{"policy without instance", "policy", []string{"policy needs an instance ID or name, e.g. policy INSTANCE"}},
		{"policy two words", "policy a b", []string{"policy takes just an instance ID or name"}},
		{"reviews with more", "reviews mine", []string{"reviews takes nothing after it"}},
		{"freeze alone", "freeze", []string{`freeze needs on "why" or off`}},
		{"tables with target", `source=s target=t tables=a.b time=1795685400000 reason=r`,
			[]string{"target= cannot be used with tables=", "nothing existing is overwritten"}},
		{"tables with backup", `source=s tables=a.b backup=b reason=r`, []string{"give time= instead of backup="}},
		{"tables without time", `source=s tables=a.b reason=r`, []string{"missing time="}},
		{"tables entry without a dot", `source=s tables=orders time=1795685400000 reason=r`, []string{`"orders" is not database.table`}},
		{"tables entry with two dots", `source=s tables=a.b.c time=1795685400000 reason=r`, []string{"not database.table"}},
		{"tables bad character", "source=s tables=\"a.b`c\" time=1795685400000 reason=r", []string{"the table name contains"}},
		{"tables database wildcard", `source=s tables=*.b time=1795685400000 reason=r`, []string{"the database name contains"}},
		{"tables long name", `source=s tables=a.` + strings.Repeat("x", 65) + ` time=1 reason=r`, []string{"1 to 64 characters"}},
		{"tables empty list", `source=s tables=", ," time=1795685400000 reason=r`, []string{"names no table"}},
		{"suffix without tables", `source=s suffix=x time=1795685400000 reason=r`, []string{"suffix= only goes with tables="}},
		{"suffix bad", `source=s tables=a.b suffix=a-b time=1795685400000 reason=r`, []string{"suffix= contains"}},
		{"freeze other", "freeze maybe", []string{`freeze needs on "why" or off`}},
		{"freeze on without reason", "freeze on", []string{"freeze on needs a reason"}},
		{"freeze on empty reason", `freeze on ""`, []string{"freeze on needs a reason"}},
		{"freeze on other field", `freeze on ticket=x`, []string{`unknown field "ticket"`}},
		{"freeze on too long", `freeze on "` + strings.Repeat("x", MaxReasonLen+1) + `"`, []string{"the freeze reason is too long"}},
		{"freeze off with more", "freeze off now", []string{"freeze off takes nothing after it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.text)
			if err == nil {
				t.Fatalf("Parse(%q) = %#v, want an error", tt.text, got)
			}
			if got != nil {
				t.Errorf("Parse(%q) returned %#v with its error", tt.text, got)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error %T %v, want *UsageError", tt.text, err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ue.Message, w) {
					t.Errorf("Parse(%q) message\n%s\nlacks %q", tt.text, ue.Message, w)
				}
			}
			if ue.Usage != Usage {
				t.Errorf("Parse(%q) usage = %q, want the full usage", tt.text, ue.Usage)
			}
		})
	}
}

func TestUsageErrorReply(t *testing.T) {
	_, err := Parse(`source=s <!channel>=x`)
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want *UsageError", err)
	}
	reply := ue.Reply()
	if strings.Contains(reply, "<!channel>") {
		t.Errorf("reply lets a mention through:\n%s", reply)
	}
	if !strings.Contains(reply, "&lt;!channel&gt;") {
		t.Errorf("reply lacks the escaped field name:\n%s", reply)
	}
	if !strings.HasSuffix(reply, "\n\n"+Usage) {
		t.Errorf("reply does not end with the usage:\n%s", reply)
	}
	if got := (&UsageError{Message: "a & b"}).Reply(); got != "a &amp; b" {
		t.Errorf("Reply without usage = %q, want %q", got, "a &amp; b")
	}
	if err.Error() != ue.Message {
		t.Errorf("Error() = %q, want the message alone", err.Error())
	}
}

// The usage is shown after escaping; it must survive escaping unchanged and
// mention every form the parser accepts.
func TestUsageText(t *testing.T) {
	for _, s := range []string{Usage, TimeUsage} {
		if strings.ContainsAny(s, "&<>") {
			t.Errorf("usage contains a character that escaping would change:\n%s", s)
		}
	}
	for _, w := range []string{"source=", "target=", "backup=", "time=", "reason=", "ticket=", "break_glass=",
		"list", "status ID", "cancel ID", "policy INSTANCE", "freeze on", "freeze off", "reviews", "review ID", "review ID done", "help",
		"1795685400000", "+08:00"} {
		if !strings.Contains(Usage, w) {
			t.Errorf("usage does not mention %q", w)
		}
	}
	// The examples in the usage must parse.
	for _, line := range strings.Split(Usage, "\n") {
		if !strings.HasPrefix(line, "`/db-restore source=") || strings.Contains(line, "[") {
			continue
		}
		text := strings.TrimSuffix(strings.TrimPrefix(line, "`/db-restore "), "`")
		if _, err := Parse(text); err != nil {
			t.Errorf("usage example %q does not parse: %v", text, err)
		}
	}
}

func TestRequestStringRoundTrip(t *testing.T) {
	reqs := []Request{
		{Source: "s", BackupID: "b", Reason: "r"},
		{Source: "s", Target: "t", Time: "2026-11-26 09:30", Reason: `say "hi" \ “x”`, Ticket: "INC 1", BreakGlass: "a\nb"},
		{Source: `a"b`, Target: `c\d`, BackupID: "e=f", Reason: "&amp;"},
	}
	for _, req := range reqs {
		text := req.String()
		got, err := Parse(escapeMrkdwn(text)) // Slack escapes &, < and > in what it sends
		if err != nil {
			t.Fatalf("Parse(%q) error: %v", text, err)
		}
		if diff := cmp.Diff(req, got); diff != "" {
			t.Errorf("round trip of %q (-want +got):\n%s", text, diff)
		}
	}
	if got, want := (Request{Source: "s", BackupID: "b", Reason: "r"}).String(), `source=s backup=b reason="r"`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
