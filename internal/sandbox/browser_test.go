package sandbox_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dbrestore/db-restore/internal/sandbox"
)

// chromiumPath is Debian's chromium; .ci/run installs it when missing.
const chromiumPath = "/usr/bin/chromium"

var screenshots = flag.String("screenshots", "", "directory for the browser test's screenshots (default: a fresh directory under the system temp dir)")

// browser is a headless Chromium on a page of the sandbox.
type browser struct {
	t   *testing.T
	ctx context.Context
	dir string // screenshots
	n   int
}

func newBrowser(t *testing.T, url string, width, height int) *browser {
	t.Helper()
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		if p, lerr := exec.LookPath("chromium"); lerr == nil {
			path = p
		} else {
			// CI (CI set) installs chromium and fails without it; a machine
			// with only Go runs the rest of the suite.
			why := fmt.Sprintf("the browser test needs Chromium (Debian's chromium package at %s; .ci/run installs it): %v", chromiumPath, err)
			if os.Getenv("CI") != "" {
				t.Fatal(why)
			}
			t.Skip(why + "; skipped outside CI (CI=true makes this a failure)")
		}
	}
	dir := *screenshots
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "db-restore-sandbox-screenshots")
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A fresh profile per browser. Chromium may still be writing to it for
	// a moment after it is told to stop, so it is removed with retries rather
	// than by t.TempDir's strict cleanup.
	profile, err := os.MkdirTemp("", "db-restore-sandbox-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, dir: dir}
	// The first Run starts the browser and ties it to its context: no
	// timeout on that one.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	b.run("open the page", chromedp.EmulateViewport(int64(width), int64(height)), chromedp.Navigate(url), chromedp.WaitVisible(".person", chromedp.ByQuery))
	t.Logf("screenshots in %s", dir)
	return b
}

// run runs actions with a deadline, failing the test with what was being done.
func (b *browser) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a screenshot of the whole page.
func (b *browser) shot(name string) string {
	b.n++
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	name = regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(strings.ToLower(name), "-")
	path := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
	return path
}

// js runs an expression and returns its string result.
func (b *browser) js(what, expr string) string {
	b.t.Helper()
	var out string
	b.run(what, chromedp.Evaluate(expr, &out))
	return out
}

// clickText clicks the visible element matching sel whose text contains text.
func (b *browser) clickText(sel, text string) {
	b.t.Helper()
	b.waitJS("a "+sel+" reading "+text, fmt.Sprintf(`(() => { const el = [...document.querySelectorAll(%q)].find(e => e.offsetParent !== null && e.textContent.includes(%q)); if (!el) return false; el.click(); return true; })()`, sel, text))
}

// waitJS waits until expr is true.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("timeout-" + what)
			b.t.Fatalf("waiting for %s (err %v)", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitText waits until the element sel shows text.
func (b *browser) waitText(sel, text string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("%s to show %q", sel, text), fmt.Sprintf(`(() => { const el = document.querySelector(%q); return !!el && el.offsetParent !== null && el.innerText.includes(%q); })()`, sel, text))
}

func (b *browser) actAs(name string) {
	b.t.Helper()
	b.clickText(".person", name)
	b.waitJS("acting as "+name, fmt.Sprintf(`[...document.querySelectorAll('.person[aria-pressed="true"]')].some(e => e.textContent.includes(%q))`, name))
}

func (b *browser) openChannel(name string) {
	b.t.Helper()
	b.clickText(".side-item", name)
	b.waitText("#chan-head", name)
}

func (b *browser) typeCommand(text string) {
	b.t.Helper()
	b.run("type "+text, chromedp.Evaluate(`document.querySelector('#box').value = ''`, nil),
		chromedp.SendKeys("#box", text+"\n", chromedp.ByQuery))
}

// typeInto types text into the first element matching sel, as a person
// would. The bot may redraw the modal (views.update after a choice) while
// the keys go in; the page keeps what was typed, but the element typed into
// is replaced, so typing starts again on the new one until the field holds
// exactly the text.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		var got string
		err = chromedp.Run(ctx,
			chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (el) el.value = ""; return true; })()`, sel), nil),
			chromedp.SendKeys(sel, text, chromedp.ByQuery),
			chromedp.Sleep(200*time.Millisecond),
			chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q); return el ? el.value : ""; })()`, sel), &got))
		cancel()
		if err == nil && got == text {
			return
		}
		if err == nil {
			err = fmt.Errorf("field holds %q", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.shot("failed-type-into")
	b.t.Fatalf("type %q into %s: %v", text, sel, err)
}

// choose picks the option whose text contains text in the modal's select
// for block prefix, as a person would, and lets the page send the change.
func (b *browser) choose(blockPrefix, text string) {
	b.t.Helper()
	b.waitJS("option "+text, fmt.Sprintf(`(() => {
		const sel = [...document.querySelectorAll('#modal [data-input] select')].find(s => s.dataset.block.startsWith(%q));
		if (!sel) return false;
		const o = [...sel.options].find(o => o.textContent.includes(%q));
		if (!o) return false;
		sel.value = o.value; sel.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, blockPrefix, text))
}

func startSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Addr: "127.0.0.1:0", RestorePolls: 4, BackupPolls: 1,
		PollInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

func TestBrowserRequestApproveFollow(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t, sb.URL, 1280, 860)
	b.shot("start")

	// Rita asks for a backup of orders-staging restored into the scratch instance.
	b.actAs("Rita Requester")
	b.openChannel("db-ops")
	staging, scratch := sb.Estate.Instances[1], sb.Estate.Instances[2]
	backup := sb.Estate.Backups[staging.ID][0]
	b.typeCommand(fmt.Sprintf(`/db-restore source=%s target=%s backup=%s reason="bad deploy dropped the carts table"`, staging.Name, scratch.Name, backup.ID))
	b.openChannel("db-approvals")
	b.waitText("#messages", "bad deploy dropped the carts table")
	b.shot("approval request as rita")
	if b.js("rita sees buttons", `String(document.querySelectorAll('#messages button[data-act="button"]').length)`) == "0" {
		t.Error("the approval message shows no buttons")
	}

	// Alice approves: the confirm dialog first, then the thread.
	b.actAs("Alice Approver")
	b.openChannel("db-approvals")
	b.clickText(`#messages button[data-act="button"]`, "Approve")
	b.waitText("#confirm", "Approve this restore?")
	b.shot("confirm approve")
	b.clickText("#confirm button", "Approve")
	b.clickText("#messages .replies", "repl")
	b.waitText("#thread", "Job ID")
	b.shot("thread with job id")
	b.waitText("#thread", "Restore completed")
	b.shot("thread with completion")
	b.openChannel("incidents")
	b.waitText("#messages", "completed")
	b.shot("incident channel")

	// The bot's Home tab, published when Alice opens it.
	b.clickText(".side-item", "db-restore")
	// Opening the tab publishes it afresh: the restore is finished, not waiting.
	b.waitJS("the Home tab with the finished restore", `(() => {
		const v = document.querySelector('#messages .home-view');
		return !!v && !/No restore finished in the last 7 days/.test(v.innerText) && /Nothing waits for you/.test(v.innerText);
	})()`)
	b.shot("home tab")
}

func TestBrowserModalFieldErrorAndEphemerals(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t, sb.URL, 1280, 900)
	b.actAs("Rita Requester")
	b.openChannel("db-ops")

	// The form: a point in time outside the source's restorable window.
	b.typeCommand("/db-restore")
	b.waitText("#modal", "Source instance")
	b.choose("source", "orders-staging")
	b.waitText("#modal", "Restore type")
	b.clickText("#modal .bk-choice", "To a point in time")
	b.waitJS("the date-time picker", `!!document.querySelector('#modal input[type="datetime-local"]')`)
	outside := time.Now().In(mustZone(t, "Asia/Shanghai")).Add(-30 * 24 * time.Hour).Format("2006-01-02T15:04")
	b.run("pick a time", chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector('#modal input[type="datetime-local"]'); el.value = %q; el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, outside), nil))
	b.choose("target", "orders-restore-scratch")
	b.typeInto(`#modal textarea, #modal input.bk-text-input`, "wrong UPDATE on carts")
	b.shot("form filled")
	b.clickText("#modal button", "Request") // the submit button
	// The refusal comes back next to the time field: the input's error,
	// or the bot's note right under the picker.
	b.waitJS("the time field's error", `(() => {
		const block = document.querySelector('#modal input[type="datetime-local"]').closest('.bk-input');
		let text = block.innerText;
		for (let n = block.nextElementSibling; n && !n.matches('.bk-input'); n = n.nextElementSibling) text += n.innerText;
		return /outside every restorable window/i.test(text);
	})()`)
	b.shot("form with field error")
	b.clickText("#modal button", "Cancel")
	b.waitJS("the modal closed", `document.querySelector('#overlay').hidden`)

	// Olly may not request: the refusal is his alone.
	b.actAs("Olly Outsider")
	b.openChannel("db-ops")
	staging := sb.Estate.Instances[1]
	b.typeCommand(fmt.Sprintf(`/db-restore source=%s backup=%s reason="curious"`, staging.Name, sb.Estate.Backups[staging.ID][0].ID))
	b.waitText("#messages", "Only visible to you")
	refusal := b.js("the refusal", `[...document.querySelectorAll('#messages .msg.ephemeral')].pop().innerText`)
	b.shot("ephemeral refusal as olly")
	marker := firstLine(refusal)
	b.actAs("Rita Requester")
	b.openChannel("db-ops")
	if got := b.js("rita's view", `document.querySelector('#messages').innerText`); strings.Contains(got, marker) {
		t.Errorf("Rita sees Olly's ephemeral refusal %q", marker)
	}
	b.shot("rita does not see it")
}

func TestBrowserPhoneWidth(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t, sb.URL, 390, 844)
	b.actAs("Rita")
	b.openChannel("db-ops")
	b.typeCommand("/db-restore help")
	b.waitText("#messages", "Usage")
	b.shot("phone help")
	b.typeCommand("/db-restore")
	b.waitText("#modal", "Source instance")
	b.shot("phone form")
	if w := b.js("page width", `document.documentElement.scrollWidth + "/" + window.innerWidth`); w != "390/390" {
		t.Errorf("page width/window width = %s on a 390 px phone, want 390/390 (no horizontal scrolling)", w)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// firstLine is the refusal's first meaningful line (author and time are
// the message head).
func firstLine(s string) string {
	lines := strings.Split(s, "\n")
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); len(l) > 10 {
			return l
		}
	}
	return s
}

// TestBrowserRestoreToANewInstance walks a restore to a new instance to
// its ACTIVE message: the approval shows what is created and its cost,
// and the thread gives the new instance's address.
func TestBrowserRestoreToANewInstance(t *testing.T) {
	sb := startSandbox(t)
	b := newBrowser(t, sb.URL, 1280, 860)
	b.actAs("Rita Requester")
	b.openChannel("db-ops")
	staging := sb.Estate.Instances[1]
	backup := sb.Estate.Backups[staging.ID][0]
	b.typeCommand(fmt.Sprintf(`/db-restore source=%s target=new backup=%s reason="look at last night's carts" keep=36h`, staging.Name, backup.ID))
	b.openChannel("db-approvals")
	b.waitText("#messages", "costs money every hour")
	b.shot("new instance approval request")

	b.actAs("Alice Approver")
	b.openChannel("db-approvals")
	b.clickText(`#messages button[data-act="button"]`, "Approve")
	b.waitText("#confirm", "Approve this restore?")
	b.clickText("#confirm button", "Approve")
	b.clickText("#messages .replies", "repl")
	b.waitText("#thread", "GaussDB is creating the new instance")
	b.waitText("#thread", "is ACTIVE at private address")
	b.shot("thread with the new instance active")
}
