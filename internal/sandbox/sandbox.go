// Package sandbox runs the real bot in one process against the project's
// Slack emulator (slacktest) and GaussDB emulator (gaussdbtest), seeded with
// a small estate, and serves a web page that looks and behaves like a Slack
// workspace, so people can try the whole flow with no Slack app, no cloud
// account and no network. Only cmd/sandbox imports it: the production
// binary does not carry the page, the estate or the emulators.
package sandbox

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dbrestore/db-restore/internal/botrun"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/drill/mysqlemu"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

//go:embed policy.yml
var samplePolicy []byte

// DefaultAddr is where the page is served unless SANDBOX_ADDR says otherwise.
const DefaultAddr = "127.0.0.1:8090"

// The emulator's tokens (never real ones).
const (
	botToken = "xoxb-sandbox-bot-token"
	appToken = "xapp-sandbox-app-token"
)

// Options configure a sandbox. Zero values get the defaults noted.
type Options struct {
	Addr       string // listen address for the page; default DefaultAddr
	RedisURL   string // "": the bot's embedded in-memory store
	PolicyFile string // "": the sample policy (policy.yml)
	Logs       io.Writer

	// Pace of the estate: restore jobs answer Running for RestorePolls
	// polls (default 25), safety backups for BackupPolls (default 2), and
	// the bot polls every PollInterval (default 2s): about a minute for a
	// restore, a few seconds for a safety backup.
	RestorePolls, BackupPolls int
	PollInterval              time.Duration
}

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.RestorePolls == 0 {
		o.RestorePolls = 25
	}
	if o.BackupPolls == 0 {
		o.BackupPolls = 2
	}
	if o.PollInterval == 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.Logs == nil {
		o.Logs = io.Discard
	}
	return o
}

// Sandbox is a running sandbox.
type Sandbox struct {
	URL     string // the page, e.g. http://127.0.0.1:8090
	Slack   *slacktest.Server
	GaussDB *gaussdbtest.Server
	Estate  Estate

	opts    Options
	dir     Directory
	knobs   *faults
	signal  pageSignal
	logs    *ringLog
	srv     *http.Server
	cancel  context.CancelFunc
	botDone chan struct{} // closed when the bot's run returns
	botErr  error
	tmpDir  string
	wg      sync.WaitGroup

	restored *mysqlemu.Server // where new instances answer (drills.go)
}

// CheckEnv refuses settings that would point the sandbox anywhere but its
// own emulators. The sandbox never passes the process environment to the
// bot; this check makes the refusal explicit instead of silent.
func CheckEnv(getenv func(string) string) error {
	var bad []string
	for _, k := range []string{"SLACK_API_URL", "GAUSSDB_ENDPOINT"} {
		if v := getenv(k); v != "" {
			bad = append(bad, fmt.Sprintf("%s=%s", k, v))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the sandbox only talks to its own Slack and GaussDB emulators, but %s points elsewhere: unset it (run cmd/bot to use a real Slack or cloud)",
			strings.Join(bad, " and "))
	}
	return nil
}

// Start binds the page's address, starts the emulators and the bot, and
// returns once the bot is connected to the Slack emulator.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	o = o.withDefaults()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("SANDBOX_ADDR %s: %w", o.Addr, err)
	}
	sb := &Sandbox{opts: o, knobs: &faults{}, logs: newRingLog(400, o.Logs), botDone: make(chan struct{})}
	if err := sb.startEmulators(); err == nil {
		err = sb.startBot(ctx)
	}
	if err != nil {
		ln.Close()
		sb.Close()
		return nil, err
	}
	sb.URL = "http://" + ln.Addr().String()
	sb.srv = &http.Server{Handler: sb.routes(), ReadHeaderTimeout: 10 * time.Second}
	sb.wg.Add(1)
	go func() {
		defer sb.wg.Done()
		if err := sb.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(sb.logs, "sandbox: page server:", err)
		}
	}()
	return sb, nil
}

// startEmulators starts the Slack and GaussDB emulators with their seed
// people, channels and estate.
func (sb *Sandbox) startEmulators() error {
	var err error
	if sb.Slack, err = slacktest.NewServer(slacktest.Options{BotToken: botToken, AppToken: appToken}); err != nil {
		return err
	}
	if err := seedSlack(sb.Slack); err != nil {
		return err
	}
	if sb.GaussDB, err = gaussdbtest.NewServer(gaussdbtest.Options{JobPolls: sb.opts.RestorePolls}); err != nil {
		return err
	}
	sb.GaussDB.SetBackupJobPolls(sb.opts.BackupPolls)
	sb.Estate = seedGaussDB(sb.GaussDB, time.Now())
	sb.dir = directory{}
	return sb.startRestoredDB()
}

// startBot runs the bot against the emulators (and the loop that keeps
// the estate's windows fresh) until Close, and waits until it is
// connected to the Slack emulator.
func (sb *Sandbox) startBot(ctx context.Context) error {
	env, err := sb.botEnv()
	if err != nil {
		return err
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sb.cancel = cancel
	sb.wg.Add(3)
	go func() {
		defer sb.wg.Done()
		getenv := func(k string) string { return env[k] }
		hooks := botrun.Hooks{Tune: func(c *config.Config) { c.DrillTick, c.DrillPoll = DrillTick, sb.opts.PollInterval }}
		sb.botErr = botrun.RunWith(bctx, []string{"db-restore"}, getenv, sb.logs, sb.logs, hooks)
		close(sb.botDone)
	}()
	go func() {
		defer sb.wg.Done()
		sb.keepWindowsFresh(bctx)
	}()
	go func() {
		defer sb.wg.Done()
		sb.followPasswords(bctx)
	}()
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	connected := make(chan error, 1)
	go func() { connected <- sb.Slack.WaitConnected(wctx, 1) }()
	select {
	case <-sb.botDone:
		return fmt.Errorf("the bot stopped at start: %w", sb.botErr)
	case err := <-connected:
		if err != nil {
			return fmt.Errorf("the bot did not connect to the Slack emulator: %w", err)
		}
	}
	return nil
}

// botEnv is the bot's whole environment: the emulators' URLs and keys, the
// sample (or given) policy, and nothing from the process environment.
func (sb *Sandbox) botEnv() (map[string]string, error) {
	policyFile := sb.opts.PolicyFile
	if policyFile == "" {
		dir, err := os.MkdirTemp("", "db-restore-sandbox-")
		if err != nil {
			return nil, err
		}
		sb.tmpDir = dir
		policyFile = filepath.Join(dir, "policy.yml")
		if err := os.WriteFile(policyFile, samplePolicy, 0o600); err != nil {
			return nil, err
		}
	}
	g := sb.GaussDB.Options()
	env := map[string]string{
		"SLACK_APP_TOKEN":            appToken,
		"SLACK_BOT_TOKEN":            botToken,
		"SLACK_API_URL":              sb.Slack.APIURL(),
		"HUAWEICLOUD_SDK_AK":         g.AK,
		"HUAWEICLOUD_SDK_SK":         g.SK,
		"HUAWEICLOUD_SDK_PROJECT_ID": g.ProjectID,
		"GAUSSDB_ENDPOINT":           sb.GaussDB.URL,
		"RESTORE_POLICY_FILE":        policyFile,
		"RESTORE_APPROVAL_CHANNEL":   ApprovalChannel,
		"RESTORE_INCIDENT_CHANNEL":   IncidentChannel,
		"RESTORE_ADMINS":             Ada,
		"RESTORE_BREAK_GLASS":        defaultBreakGlas,
		"RESTORE_JOB_POLL_INTERVAL":  sb.opts.PollInterval.String(),
		"RESTORE_REMIND_AFTER":       "5m",
		"HEALTH_ADDR":                "off",
		"LOG_LEVEL":                  "info",
	}
	if sb.opts.RedisURL != "" {
		env["REDIS_URL"] = sb.opts.RedisURL
		env["REDIS_DURABILITY"] = "best_effort" // a sandbox to try the bot out, not a deployment
		env["REDIS_KEY_PREFIX"] = "{db-restore-sandbox}:"
	}
	return env, nil
}

// keepWindowsFresh moves the restorable windows' ends along with time.
func (sb *Sandbox) keepWindowsFresh(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			refreshWindows(sb.GaussDB, sb.Estate, now)
		}
	}
}

func (sb *Sandbox) bump() { sb.signal.bump() }

// Done is closed when the bot stops; Err then says why.
func (sb *Sandbox) Done() <-chan struct{} { return sb.botDone }

// Err is why the bot stopped (nil after Close); valid once Done is closed.
func (sb *Sandbox) Err() error { return sb.botErr }

// Close stops the page, the bot and the emulators.
func (sb *Sandbox) Close() {
	if sb.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = sb.srv.Shutdown(ctx)
		cancel()
	}
	if sb.cancel != nil {
		sb.cancel()
	}
	if sb.Slack != nil {
		sb.Slack.Close()
	}
	if sb.GaussDB != nil {
		sb.GaussDB.Close()
	}
	sb.wg.Wait()
	if sb.restored != nil {
		_ = sb.restored.Close()
	}
	if sb.tmpDir != "" {
		_ = os.RemoveAll(sb.tmpDir)
	}
}
