package slacktest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func rep(n int) string { return strings.Repeat("a", n) }

func plainJSON(s string) string { return fmt.Sprintf(`{"type":"plain_text","text":%q}`, s) }

func mrkdwnJSON(s string) string { return fmt.Sprintf(`{"type":"mrkdwn","text":%q}`, s) }

func section(text string) string { return `{"type":"section","text":` + mrkdwnJSON(text) + `}` }

func button(actionID, text, value string) string {
	return fmt.Sprintf(`{"type":"button","action_id":%q,"text":%s,"value":%q}`, actionID, plainJSON(text), value)
}

func actions(elements ...string) string {
	return `{"type":"actions","elements":[` + strings.Join(elements, ",") + `]}`
}

func option(text, value string) string {
	return fmt.Sprintf(`{"text":%s,"value":%q}`, plainJSON(text), value)
}

func staticSelect(opts ...string) string {
	return `{"type":"input","block_id":"db","label":` + plainJSON("DB") +
		`,"element":{"type":"static_select","action_id":"db","placeholder":` + plainJSON("Pick") +
		`,"options":[` + strings.Join(opts, ",") + `]}}`
}

func times(n int, s string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func arr(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

func TestCheckBlocks(t *testing.T) {
	valid := arr(
		`{"type":"header","text":`+plainJSON("Restore request")+`}`,
		section("*db1* to 10:00"),
		`{"type":"section","fields":[`+mrkdwnJSON("a")+`,`+mrkdwnJSON("b")+`]}`,
		`{"type":"divider"}`,
		`{"type":"context","elements":[`+mrkdwnJSON("requested by <@U1>")+`]}`,
		actions(button("approve", "Approve", "req-1"), button("deny", "Deny", "req-1")),
	)
	tests := []struct {
		name    string
		surface string
		blocks  string
		want    []string // each must appear in some problem; none means valid
	}{
		{"valid approval message", slacktest.SurfaceMessage, valid, nil},
		{"empty list", slacktest.SurfaceMessage, `[]`, nil},
		{"50 blocks in a message", slacktest.SurfaceMessage, arr(times(50, `{"type":"divider"}`)...), nil},
		{"51 blocks in a message", slacktest.SurfaceMessage, arr(times(51, `{"type":"divider"}`)...), []string{"at most 50 blocks, got 51 [json-pointer:/blocks]"}},
		{"100 blocks in a modal", slacktest.SurfaceModal, arr(times(100, `{"type":"divider"}`)...), nil},
		{"101 blocks in a modal", slacktest.SurfaceModal, arr(times(101, `{"type":"divider"}`)...), []string{"at most 100 blocks"}},
		{"section text 3000", slacktest.SurfaceMessage, arr(section(rep(3000))), nil},
		{"section text 3001", slacktest.SurfaceMessage, arr(section(rep(3001))), []string{"at most 3000 characters, got 3001 [json-pointer:/blocks/0/text/text]"}},
		{"multi-byte text counted in characters", slacktest.SurfaceMessage, arr(section(strings.Repeat("ä", 3000))), nil},
		{"empty text", slacktest.SurfaceMessage, arr(section("")), []string{"at least 1 characters [json-pointer:/blocks/0/text/text]"}},
		{"section without text or fields", slacktest.SurfaceMessage, `[{"type":"section"}]`, []string{"text or fields"}},
		{"11 fields", slacktest.SurfaceMessage, `[{"type":"section","fields":` + arr(times(11, mrkdwnJSON("f"))...) + `}]`, []string{"at most 10 fields"}},
		{"field 2001", slacktest.SurfaceMessage, `[{"type":"section","fields":[` + mrkdwnJSON(rep(2001)) + `]}]`, []string{"at most 2000 characters, got 2001 [json-pointer:/blocks/0/fields/0/text]"}},
		{"header 151", slacktest.SurfaceMessage, `[{"type":"header","text":` + plainJSON(rep(151)) + `}]`, []string{"at most 150 characters"}},
		{"mrkdwn header", slacktest.SurfaceMessage, `[{"type":"header","text":` + mrkdwnJSON("x") + `}]`, []string{"must be plain_text [json-pointer:/blocks/0/text/type]"}},
		{"26 action elements", slacktest.SurfaceMessage, arr(actions(func() []string {
			out := make([]string, 26)
			for i := range out {
				out[i] = button(fmt.Sprint("b", i), "B", "v")
			}
			return out
		}()...)), []string{"at most 25 elements"}},
		{"button text 76", slacktest.SurfaceMessage, arr(actions(button("a", rep(76), "v"))), []string{"at most 75 characters, got 76 [json-pointer:/blocks/0/elements/0/text/text]"}},
		{"button value 2001", slacktest.SurfaceMessage, arr(actions(button("a", "A", rep(2001)))), []string{"[json-pointer:/blocks/0/elements/0/value]"}},
		{"button style", slacktest.SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","text":` + plainJSON("A") + `,"style":"green"}]}]`, []string{"primary or danger"}},
		{"block_id 256", slacktest.SurfaceMessage, `[{"type":"divider","block_id":"` + rep(256) + `"}]`, []string{"[json-pointer:/blocks/0/block_id]"}},
		{"duplicate block_id", slacktest.SurfaceMessage, `[{"type":"divider","block_id":"x"},{"type":"divider","block_id":"x"}]`, []string{`duplicate block_id "x" [json-pointer:/blocks/1/block_id]`}},
		{"action_id 256", slacktest.SurfaceMessage, arr(actions(button(rep(256), "A", "v"))), []string{"[json-pointer:/blocks/0/elements/0/action_id]"}},
		{"duplicate action_id in a block", slacktest.SurfaceMessage, arr(actions(button("a", "A", "v"), button("a", "B", "v"))), []string{`duplicate action_id "a"`}},
		{"100 options", slacktest.SurfaceModal, arr(staticSelect(times(100, option("o", "v"))...)), nil},
		{"101 options", slacktest.SurfaceModal, arr(staticSelect(times(101, option("o", "v"))...)), []string{"at most 100 options, got 101"}},
		{"option text 76", slacktest.SurfaceModal, arr(staticSelect(option(rep(76), "v"))), []string{"[json-pointer:/blocks/0/element/options/0/text/text]"}},
		{"option value 76", slacktest.SurfaceModal, arr(staticSelect(option("o", rep(76)))), []string{"[json-pointer:/blocks/0/element/options/0/value]"}},
		{"placeholder 151", slacktest.SurfaceModal, `[{"type":"input","label":` + plainJSON("L") + `,"element":{"type":"plain_text_input","placeholder":` + plainJSON(rep(151)) + `}}]`, []string{"[json-pointer:/blocks/0/element/placeholder/text]"}},
		{"button in an input block", slacktest.SurfaceModal, `[{"type":"input","label":` + plainJSON("L") + `,"element":` + button("a", "A", "v") + `}]`, []string{`element type "button" is not allowed here`}},
		{"input without element", slacktest.SurfaceModal, `[{"type":"input","label":` + plainJSON("L") + `}]`, []string{"[json-pointer:/blocks/0/element]"}},
		{"unknown block type", slacktest.SurfaceMessage, `[{"type":"sectoin"}]`, []string{`unknown block type "sectoin"`}},
		{"confirm title 101", slacktest.SurfaceMessage, `[{"type":"actions","elements":[{"type":"button","text":` + plainJSON("A") +
			`,"confirm":{"title":` + plainJSON(rep(101)) + `,"text":` + plainJSON("t") + `,"confirm":` + plainJSON("y") + `,"deny":` + plainJSON("n") + `}}]}]`,
			[]string{"[json-pointer:/blocks/0/elements/0/confirm/title/text]"}},
		{"bad initial_date", slacktest.SurfaceModal, `[{"type":"input","label":` + plainJSON("L") + `,"element":{"type":"datepicker","initial_date":"27.11.2026"}}]`, []string{"YYYY-MM-DD"}},
		{"not an array", slacktest.SurfaceMessage, `{"type":"divider"}`, []string{"must be an array"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !json.Valid([]byte(tt.blocks)) {
				t.Fatalf("test blocks are not JSON: %s", tt.blocks)
			}
			got := slacktest.CheckBlocks(tt.surface, json.RawMessage(tt.blocks))
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("problems = %q, want none", got)
			}
			for _, w := range tt.want {
				if !containsSubstr(got, w) {
					t.Errorf("problems = %q, want one containing %q", got, w)
				}
			}
		})
	}
}

func containsSubstr(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestCheckView(t *testing.T) {
	input := `{"type":"input","block_id":"reason","label":` + plainJSON("Reason") + `,"element":{"type":"plain_text_input","action_id":"r"}}`
	modal := func(fields string, blocks ...string) string {
		return `{"type":"modal",` + fields + `"blocks":` + arr(blocks...) + `}`
	}
	title := `"title":` + plainJSON("Restore") + `,`
	submit := `"submit":` + plainJSON("Request") + `,`
	tests := []struct {
		name string
		view string
		want []string
	}{
		{"valid modal", modal(title+submit+`"close":`+plainJSON("Cancel")+`,"callback_id":"restore","private_metadata":"{}",`, input), nil},
		{"title 24", modal(`"title":`+plainJSON(rep(24))+`,`+submit, input), nil},
		{"title 25", modal(`"title":`+plainJSON(rep(25))+`,`+submit, input), []string{"at most 24 characters, got 25 [json-pointer:/view/title/text]"}},
		{"missing title", modal(submit, input), []string{"is required [json-pointer:/view/title]"}},
		{"submit 25", modal(title+`"submit":`+plainJSON(rep(25))+`,`, input), []string{"[json-pointer:/view/submit/text]"}},
		{"close 25", modal(title+submit+`"close":`+plainJSON(rep(25))+`,`, input), []string{"[json-pointer:/view/close/text]"}},
		{"inputs without submit", modal(title, input), []string{"[json-pointer:/view/submit]"}},
		{"private_metadata 3001", modal(title+submit+`"private_metadata":"`+rep(3001)+`",`, input), []string{"[json-pointer:/view/private_metadata]"}},
		{"callback_id 256", modal(title+submit+`"callback_id":"`+rep(256)+`",`, input), []string{"[json-pointer:/view/callback_id]"}},
		{"101 blocks", modal(title, times(101, `{"type":"divider"}`)...), []string{"at most 100 blocks, got 101 [json-pointer:/view/blocks]"}},
		{"block problems carry the view path", modal(title, section(rep(3001))), []string{"[json-pointer:/view/blocks/0/text/text]"}},
		{"wrong type", `{"type":"dialog","blocks":[]}`, []string{"must be modal or home"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slacktest.CheckView(json.RawMessage(tt.view))
			if len(tt.want) == 0 && len(got) != 0 {
				t.Errorf("problems = %q, want none", got)
			}
			for _, w := range tt.want {
				if !containsSubstr(got, w) {
					t.Errorf("problems = %q, want one containing %q", got, w)
				}
			}
		})
	}
}
