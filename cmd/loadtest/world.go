package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/restore"
	"github.com/dbrestore/db-restore/internal/restore/gaussdbtest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// The workspace the load runs in. The tokens are made up: they only ever
// reach the fake Slack on loopback.
const (
	botToken        = "xoxb-loadtest-bot-token"
	appToken        = "xapp-1-loadtest-app-token"
	approver        = "ULOADAPPR1"
	opsChannel      = "C0LOADOPS"
	approvalChannel = "C0LOADAPR"
	pollEvery       = 100 * time.Millisecond
)

// world is the fakes the bots talk to, stocked for N restores: one source
// instance and its backup, and one target instance per request (a target
// being restored is busy, as on the real API).
type world struct {
	n          int
	requesters []string
	slack      *slacktest.Server
	gauss      *gaussdbtest.Server
	source     gaussdbtest.Instance
	targets    []gaussdbtest.Instance
	backup     restore.Backup
}

// approvalMsg is an approval message as it was when it was clicked.
type approvalMsg struct {
	channel, ts, text string
	blocks            json.RawMessage
}

// newSlack is the fake Slack without its rate limits: the subject here is
// ack latency under a burst of -n approvals in one channel, which Slack's
// one message a second per channel would spread over -n seconds (the bots
// run unpaced, SLACK_POST_INTERVAL=0). The paced burst is measured by
// BenchmarkApprovalMessagesAtSlacksPace in cmd/bot.
func newSlack() (*slacktest.Server, error) {
	return slacktest.NewServer(slacktest.Options{BotToken: botToken, AppToken: appToken, NoRateLimits: true})
}

func newWorld(cfg Config) (*world, error) {
	w := &world{n: cfg.N}
	var err error
	if w.slack, err = newSlack(); err != nil {
		return nil, fmt.Errorf("fake slack: %w", err)
	}
	if w.gauss, err = gaussdbtest.NewServer(gaussdbtest.Options{JobPolls: 1}); err != nil {
		w.slack.Close()
		return nil, fmt.Errorf("fake gaussdb: %w", err)
	}
	if err := w.slack.AddUser(slacktest.User{ID: approver, Name: "approver", TZ: "UTC"}); err != nil {
		w.close()
		return nil, err
	}
	zones := []string{"UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"}
	for i := range cfg.Requesters {
		u := slacktest.User{ID: fmt.Sprintf("ULOADR%04d", i+1), Name: fmt.Sprintf("requester%d", i+1), TZ: zones[i%len(zones)]}
		if err := w.slack.AddUser(u); err != nil {
			w.close()
			return nil, err
		}
		w.requesters = append(w.requesters, u.ID)
	}

	w.source = w.gauss.AddInstance(gaussdbtest.Instance{Name: "orders-prod"})
	for i := range cfg.N {
		w.targets = append(w.targets, w.gauss.AddInstance(gaussdbtest.Instance{Name: fmt.Sprintf("orders-scratch-%d", i+1)}))
	}
	now := time.Now().UTC()
	w.backup = w.gauss.AddBackup(restore.Backup{Name: "nightly", InstanceID: w.source.ID, Status: "COMPLETED",
		Type: "auto", Begin: now.Add(-26 * time.Hour), End: now.Add(-25 * time.Hour), SizeMB: 2048})
	w.gauss.SetRestoreWindows(w.source.ID, restore.Window{Start: now.Add(-7 * 24 * time.Hour), End: now.Add(-time.Minute)})
	return w, nil
}

func (w *world) close() {
	w.slack.Close()
	w.gauss.Close()
}

// botEnv is the environment of one replica, apart from HEALTH_ADDR.
func (w *world) botEnv(redisURL, prefix string) map[string]string {
	o := w.gauss.Options()
	return map[string]string{
		"SLACK_APP_TOKEN":            appToken,
		"SLACK_BOT_TOKEN":            botToken,
		"SLACK_API_URL":              w.slack.APIURL(),
		"REDIS_URL":                  redisURL,
		"REDIS_KEY_PREFIX":           prefix,
		"REDIS_DURABILITY":           "best_effort", // a load test's Redis keeps nothing across a crash
		"HUAWEICLOUD_SDK_AK":         o.AK,
		"HUAWEICLOUD_SDK_SK":         o.SK,
		"HUAWEICLOUD_SDK_PROJECT_ID": o.ProjectID,
		"GAUSSDB_ENDPOINT":           w.gauss.URL,
		"RESTORE_APPROVERS":          approver,
		"RESTORE_APPROVAL_CHANNEL":   approvalChannel,
		"LOG_LEVEL":                  "warn",
		"SLACK_POST_INTERVAL":        "0", // against a fake without limits (newSlack)
		// The burst is -n requests from -requesters people (10 each by
		// default), all to be approved: the per-person limits would refuse
		// most of them, so they are off here; BenchmarkApproveBesideFlood in
		// cmd/bot measures a flood against the default limits.
		"RESTORE_MAX_OPEN_PER_USER":        "0",
		"RESTORE_USER_COMMANDS_PER_MINUTE": "0",
	}
}

// slashPayloads builds the burst of valid backup restore requests on fake,
// request i onto target i, from the requesters in turn.
func (w *world) slashPayloads(fake *slacktest.Server) []json.RawMessage {
	out := make([]json.RawMessage, w.n)
	for i := range out {
		out[i] = fake.SlashPayload(slacktest.Slash{
			UserID: w.requesters[i%len(w.requesters)], ChannelID: opsChannel,
			Text: fmt.Sprintf("source=%s target=%s backup=%s reason=%q",
				w.source.ID, w.targets[i].ID, w.backup.ID, fmt.Sprintf("load test request %d", i+1)),
		})
	}
	return out
}

// approvePayloads builds one Approve click by the approver per message.
func (w *world) approvePayloads(fake *slacktest.Server, msgs []approvalMsg) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(msgs))
	for _, m := range msgs {
		p, err := fake.ActionPayload(slacktest.Action{UserID: approver, ChannelID: m.channel, MessageTS: m.ts, ActionID: "approve"})
		if err != nil {
			return nil, fmt.Errorf("approve click on %s: %w", m.ts, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// waitApprovalMessages waits until one approval message per command has
// been posted, and returns them.
func (w *world) waitApprovalMessages(ctx context.Context, cfg Config) ([]approvalMsg, error) {
	var got []slacktest.Message
	err := poll(ctx, cfg.Timeout, pollEvery, func() bool {
		got = w.slack.Messages(approvalChannel)
		return len(got) >= w.n
	})
	if err != nil {
		return nil, fmt.Errorf("%d of %d approval messages posted: %w%s", len(got), w.n, err, w.refusals())
	}
	if len(got) > w.n {
		return nil, fmt.Errorf("%d approval messages for %d commands", len(got), w.n)
	}
	out := make([]approvalMsg, len(got))
	for i, m := range got {
		out[i] = approvalMsg{channel: m.Channel, ts: m.TS, text: m.Text, blocks: m.Blocks}
	}
	return out, nil
}

// refusals samples what the requesters were told, to explain missing
// approval messages.
func (w *world) refusals() string {
	var b strings.Builder
	for _, u := range w.requesters[:min(3, len(w.requesters))] {
		for _, m := range w.slack.Ephemerals(u) {
			if !strings.Contains(m.Text, "Checking your request") && !strings.Contains(m.Text, "waiting for approval") {
				fmt.Fprintf(&b, "\n  told %s: %.300s", u, m.Text)
			}
		}
	}
	return b.String()
}

// jobID matches a GaussDB job ID (a UUID) in a thread reply.
var jobID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// waitJobs waits until every approval message's thread shows a job ID.
func (w *world) waitJobs(ctx context.Context, cfg Config, msgs []approvalMsg) error {
	left := map[string]bool{}
	for _, m := range msgs {
		left[m.ts] = true
	}
	err := poll(ctx, cfg.Timeout, 2*pollEvery, func() bool {
		for ts := range left {
			for _, r := range w.slack.Thread(approvalChannel, ts) {
				if jobID.MatchString(r.Text) {
					delete(left, ts)
					break
				}
			}
		}
		return len(left) == 0
	})
	if err == nil {
		return nil
	}
	detail := ""
	for ts := range left {
		for _, r := range w.slack.Thread(approvalChannel, ts) {
			detail += fmt.Sprintf("\n  thread %s: %.300s", ts, r.Text)
		}
		break
	}
	return fmt.Errorf("%d of %d threads show a job ID: %w%s", len(msgs)-len(left), len(msgs), err, detail)
}

// distinctTargets counts the instances the restore calls went to.
func distinctTargets(calls []gaussdbtest.RestoreCall) int {
	seen := map[string]bool{}
	for _, c := range calls {
		seen[c.Call.TargetID] = true
	}
	return len(seen)
}

// poll calls cond every interval until it holds, for at most timeout.
func poll(ctx context.Context, timeout, interval time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			if cond() {
				return nil
			}
			return fmt.Errorf("gave up after %s: %w", timeout, ctx.Err())
		}
	}
}
