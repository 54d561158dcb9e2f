package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/sandbox"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func TestCheckEnvRefusesOtherEndpoints(t *testing.T) {
	for _, k := range []string{"SLACK_API_URL", "GAUSSDB_ENDPOINT"} {
		err := sandbox.CheckEnv(func(name string) string {
			if name == k {
				return "https://example.invalid/"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s set: error %v, want a refusal naming it", k, err)
		}
	}
	if err := sandbox.CheckEnv(func(string) string { return "" }); err != nil {
		t.Errorf("empty environment refused: %v", err)
	}
}

func TestDefaultAddrIsLoopback(t *testing.T) {
	if !strings.HasPrefix(sandbox.DefaultAddr, "127.0.0.1:") {
		t.Errorf("DefaultAddr = %s, want loopback", sandbox.DefaultAddr)
	}
	sb := startSandbox(t)
	for _, u := range []string{sb.URL, sb.Slack.APIURL(), sb.GaussDB.URL} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("%s is not on loopback", u)
		}
	}
}

// The production binary does not carry the sandbox, its page or the emulators.
func TestBotDoesNotImportTheSandbox(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../cmd/bot").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range []string{"internal/sandbox", "slacktest", "gaussdbtest", "chromedp", "\ntesting\n"} {
		if strings.Contains("\n"+string(out), pkg) {
			t.Errorf("cmd/bot depends on %s", strings.TrimSpace(pkg))
		}
	}
}

// flow drives the sandbox's Slack emulator as the page does.
type flow struct {
	t  *testing.T
	sb *sandbox.Sandbox
}

func (f flow) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	f.t.Cleanup(cancel)
	return ctx
}

func (f flow) slash(user, text string) {
	f.t.Helper()
	if _, err := f.sb.Slack.SlashCommand(f.ctx(), slacktest.Slash{UserID: user, ChannelID: sandbox.OpsChannel, Text: text}); err != nil {
		f.t.Fatalf("slash %q: %v", text, err)
	}
}

// waitFor waits until cond holds.
func (f flow) waitFor(what string, cond func() bool) {
	f.t.Helper()
	if err := f.sb.Slack.WaitFor(f.ctx(), cond); err != nil {
		f.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// request files a backup restore of orders-staging into target and returns
// the approval message.
func (f flow) request(target string) slacktest.Message {
	f.t.Helper()
	staging := f.sb.Estate.Instances[1]
	before := len(f.sb.Slack.Messages(sandbox.ApprovalChannel))
	f.slash(sandbox.Rita, fmt.Sprintf(`/db-restore source=%s target=%s backup=%s reason="test"`, staging.Name, target, f.sb.Estate.Backups[staging.ID][0].ID)[len("/db-restore "):])
	f.waitFor("the approval message", func() bool {
		if len(f.sb.Slack.Messages(sandbox.ApprovalChannel)) > before {
			return true
		}
		if e := f.sb.Slack.Ephemerals(sandbox.Rita); len(e) > 0 && strings.Contains(e[len(e)-1].Text, "test") {
			f.t.Logf("last ephemeral to Rita: %s", e[len(e)-1].Text)
		}
		return false
	})
	return f.sb.Slack.Messages(sandbox.ApprovalChannel)[before]
}

func (f flow) approve(m slacktest.Message, user string) {
	f.t.Helper()
	if _, err := f.sb.Slack.BlockAction(f.ctx(), slacktest.Action{UserID: user, ChannelID: m.Channel, MessageTS: m.TS, ActionID: "approve"}); err != nil {
		f.t.Fatalf("approve: %v", err)
	}
}

// threadSays waits for a reply in m's thread matching re.
func (f flow) threadSays(m slacktest.Message, re string) {
	f.t.Helper()
	rx := regexp.MustCompile(re)
	f.waitFor("a thread reply matching "+re, func() bool {
		for _, r := range f.sb.Slack.Thread(m.Channel, m.TS) {
			if rx.MatchString(r.Text) {
				return true
			}
		}
		return false
	})
}

func TestFaultPanelReachesTheBot(t *testing.T) {
	sb := startSandbox(t)
	f := flow{t, sb}
	scratch := sb.Estate.Instances[2].Name
	tests := []struct {
		fault, want string
	}{
		{sandbox.FaultRestore400, `(?i)DBS\.280001`},
		{sandbox.FaultJob, `(?i)restore job failed`},
		// Last: an unknown outcome holds the instance until reconciliation
		// settles it (one restore at a time per instance).
		{sandbox.FaultRestore500, `(?i)outcome unknown|unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			f := flow{t, sb}
			if err := sb.Arm(tt.fault); err != nil {
				t.Fatal(err)
			}
			if got := sb.Armed(); len(got) != 1 || got[0] != tt.fault {
				t.Errorf("Armed() = %q, want [%s]", got, tt.fault)
			}
			m := f.request(scratch)
			f.approve(m, sandbox.Alice)
			f.threadSays(m, tt.want)
			if got := sb.Armed(); len(got) != 0 {
				t.Errorf("still armed after use: %q", got)
			}
		})
	}
	// A failed safety backup: the restore onto the original is never called.
	if err := sb.Arm(sandbox.FaultBackup); err != nil {
		t.Fatal(err)
	}
	calls := len(sb.GaussDB.RestoreCalls())
	m := f.request(sb.Estate.Instances[1].Name)
	f.approve(m, sandbox.Alice)
	f.threadSays(m, `(?i)safety backup.*(fail|did not)`)
	if n := len(sb.GaussDB.RestoreCalls()); n != calls {
		t.Errorf("%d restore calls after a failed safety backup", n-calls)
	}
	if err := sb.Arm("nonsense"); err == nil {
		t.Error("an unknown fault was accepted")
	}
}

// Everything the bot posts in the sandbox's flows (messages, ephemerals,
// DMs, modals) renders without anything unsupported.
func TestEverythingTheBotSendsRenders(t *testing.T) {
	sb := startSandbox(t)
	f := flow{t, sb}
	f.slash(sandbox.Olly, "source=orders-staging backup=x reason=y")
	m := f.request(sb.Estate.Instances[2].Name)
	pending := m.Blocks // with its buttons
	f.approve(m, sandbox.Alice)
	f.threadSays(m, `Restore completed`)
	f.slash(sandbox.Rita, "status "+requestID(t, m))
	for _, text := range []string{"help", "policy orders-prod", "list", "freeze on \"drill\"", "freeze off"} {
		f.slash(sandbox.Ada, text)
	}
	f.slash(sandbox.Rita, "")
	f.waitFor("the form", func() bool {
		for _, v := range sb.Slack.Views() {
			if v.UserID == sandbox.Rita && v.Open && strings.Contains(string(v.Blocks), "source") {
				return true
			}
		}
		return false
	})

	seen := map[string]bool{}
	check := func(where string, blocks json.RawMessage) {
		if len(blocks) == 0 {
			return
		}
		for _, typ := range regexp.MustCompile(`"type":"([a-z_]+)"`).FindAllStringSubmatch(string(blocks), -1) {
			seen[typ[1]] = true
		}
		html := sandbox.Surface{Dir: sandbox.Names()}.Blocks(blocks)
		if strings.Contains(html, sandbox.Unsupported) {
			t.Errorf("%s does not render: %s", where, html)
		}
	}
	check("the pending approval message", pending)
	for _, c := range append(sandbox.Channels, sandbox.Channel{ID: sandbox.Rita}) {
		for _, msg := range sb.Slack.Messages(c.ID) {
			check("message in "+c.ID, msg.Blocks)
			for _, r := range sb.Slack.Thread(msg.Channel, msg.TS) {
				check("reply in "+c.ID, r.Blocks)
			}
		}
	}
	for _, p := range sandbox.People {
		for _, e := range sb.Slack.Ephemerals(p.ID) {
			check("ephemeral to "+p.ID, e.Blocks)
		}
	}
	for _, v := range sb.Slack.Views() {
		check("view "+v.ID, v.Blocks)
	}
	for _, want := range []string{"header", "section", "context", "actions", "button", "input", "static_select", "radio_buttons", "plain_text_input"} {
		if !seen[want] {
			t.Errorf("the flows never produced a %s: the check covers less than it claims", want)
		}
	}
}

var reRequestID = regexp.MustCompile(`request ([a-z0-9]{6})`)

func requestID(t *testing.T, m slacktest.Message) string {
	t.Helper()
	id := reRequestID.FindStringSubmatch(string(m.Blocks))
	if id == nil {
		t.Fatalf("no request ID in %s", m.Blocks)
	}
	return id[1]
}

// post sends one thing a person does through the page's API.
func post(t *testing.T, sb *sandbox.Sandbox, body map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(sb.URL+"/api/act", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(resp.Body)
		t.Fatalf("act %v: %s %s", body, resp.Status, out)
	}
}

// pageState reads what user sees through the page's API.
func pageState(t *testing.T, sb *sandbox.Sandbox, user string) map[string]any {
	t.Helper()
	resp, err := http.Get(sb.URL + "/api/state?user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ State map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.State
}

func TestHomeTabAndMessageShortcutThroughThePage(t *testing.T) {
	sb := startSandbox(t)
	f := flow{t, sb}
	m := f.request(sb.Estate.Instances[2].Name)

	post(t, sb, map[string]any{"user": sandbox.Alice, "kind": "home"})
	f.waitFor("Alice's Home tab", func() bool { _, ok := sb.Slack.Home(sandbox.Alice); return ok })
	home, _ := pageState(t, sb, sandbox.Alice)["home"].(string)
	if home == "" || strings.Contains(home, sandbox.Unsupported) {
		t.Errorf("Home tab HTML = %.300q", home)
	}

	post(t, sb, map[string]any{"user": sandbox.Rita, "kind": "shortcut", "channel": m.Channel, "ts": m.TS})
	f.waitFor("the form from the shortcut", func() bool {
		for _, v := range sb.Slack.Views() {
			if v.UserID == sandbox.Rita && v.Open {
				return true
			}
		}
		return false
	})
	modal, _ := pageState(t, sb, sandbox.Rita)["modal"].(map[string]any)
	if html, _ := modal["html"].(string); html == "" || strings.Contains(html, sandbox.Unsupported) {
		t.Errorf("shortcut modal HTML = %.300q", html)
	}
}
