package sandbox

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type testDir struct{}

func (testDir) UserName(id string) string {
	if id == "U1" {
		return "alice"
	}
	return ""
}
func (testDir) GroupHandle(id string) string {
	if id == "S1" {
		return "dba-oncall"
	}
	return ""
}
func (testDir) ChannelName(id string) string {
	if id == "C1" {
		return "db-ops"
	}
	return ""
}

func TestMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*bold* and _italic_ and ~strike~", "<b>bold</b> and <i>italic</i> and <s>strike</s>"},
		{"`code *not bold*`", "<code>code *not bold*</code>"},
		{"snake_case_name stays", "snake_case_name stays"},
		{"<@U1> <@U9|bob> <!subteam^S1> <!subteam^S9|@ops> <#C1> <#C9|misc> <!here>",
			`<span class="mention user">@alice</span> <span class="mention user">@bob</span> <span class="mention group">@dba-oncall</span> ` +
				`<span class="mention group">@ops</span> <span class="mention channel">#db-ops</span> <span class="mention channel">#misc</span> <span class="mention special">@here</span>`},
		{"<https://x.example/a?b=1&amp;c=2|the *ticket*>", `<a href="https://x.example/a?b=1&amp;c=2" target="_blank" rel="noopener">the *ticket*</a>`},
		{"<javascript:alert(1)|click>", "click"},
		{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; <b>", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; b"}, // a bare <b> is a Slack token, shown as its text
		{":white_check_mark: done :no_such_emoji:", `<span class="emoji" title=":white_check_mark:">✅</span> done :no_such_emoji:`},
		{"a\n&gt; quoted\nb", "a<br><blockquote>quoted</blockquote>b"},
		{"```x *y*\nz```", `<pre class="code">x *y*` + "\n" + `z</pre>`},
		{"*<@U1>* approved", `<b><span class="mention user">@alice</span></b> approved`},
	}
	for _, tt := range tests {
		if got := Mrkdwn(tt.in, testDir{}); got != tt.want {
			t.Errorf("Mrkdwn(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestRendererFlagsWhatItCannotShow(t *testing.T) {
	got := Surface{Dir: testDir{}}.Blocks(json.RawMessage(`[{"type":"video"},{"type":"actions","elements":[{"type":"workflow_button"}]}]`))
	if strings.Count(got, Unsupported+" ") < 2 {
		t.Errorf("unknown block and element not flagged: %s", got)
	}
}

// Every golden view and message of the bot (testdata/*.json anywhere under
// internal/) renders without anything unsupported.
func TestGoldenBlocksRender(t *testing.T) {
	n := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") || !strings.Contains(filepath.ToSlash(path), "/testdata/") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, blocks := range blockLists(raw) {
			n++
			html := Surface{Dir: testDir{}, Errors: map[string]string{"x": "y"}}.Blocks(blocks)
			if strings.Contains(html, Unsupported) {
				t.Errorf("%s: %s", path, excerpt(html))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("only %d block lists found in the goldens; is the walk looking in the right place?", n)
	}
}

// blockLists finds every "blocks" array in a JSON document.
func blockLists(raw []byte) []json.RawMessage {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []json.RawMessage
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "blocks" {
					if _, ok := c.([]any); ok {
						b, _ := json.Marshal(c)
						out = append(out, b)
						continue
					}
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

func excerpt(html string) string {
	i := strings.Index(html, Unsupported)
	return html[max(0, i-80):min(len(html), i+120)]
}
