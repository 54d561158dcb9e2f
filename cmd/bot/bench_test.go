package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// BenchmarkEnvelopeAckBurst fires b.N valid restore requests at the bot as
// fast as the fake Slack can write them, then reports the envelope-to-ack
// latency. Each request does real work after its ack (users.info, GaussDB
// validation, Redis, chat.postMessage); the ack must not wait for any of it.
func BenchmarkEnvelopeAckBurst(b *testing.B) {
	h := newHarness(b)
	h.env["LOG_LEVEL"] = "warn"
	// One requester files all b.N requests: this measures the ack path, so
	// the per-user limits are off.
	h.env["RESTORE_MAX_OPEN_PER_USER"], h.env["RESTORE_USER_COMMANDS_PER_MINUTE"] = "0", "0"
	h.start()
	payloads := make([][]byte, b.N) // each with its own response_url
	for i := range payloads {
		payloads[i] = h.slack.SlashPayload(slacktest.Slash{UserID: requester, ChannelID: opsChannel, Text: benchText(h)})
	}

	b.ResetTimer()
	for _, p := range payloads {
		if _, err := h.slack.SendNoWait(slacktest.EnvelopeSlashCommands, p); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.slack.WaitFor(ctx, func() bool { return len(h.slack.Acks()) >= b.N }); err != nil {
		b.Fatalf("acks: %d of %d: %v", len(h.slack.Acks()), b.N, err)
	}
	b.StopTimer()

	lat := make([]time.Duration, 0, b.N)
	for _, a := range h.slack.Acks() {
		if a.Late {
			b.Errorf("envelope %s acked after Slack's deadline (%s)", a.EnvelopeID, a.Latency)
		}
		lat = append(lat, a.Latency)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	// Let the work after the acks finish before the harness stops the bot.
	_ = h.slack.WaitFor(ctx, func() bool { return len(h.slack.Messages(approvals_)) >= b.N })
}

var benchHelp = false

func benchText(h *harness) string {
	if benchHelp {
		return "help"
	}
	return h.backupCommand("burst")
}

// BenchmarkApproveBesideFlood measures how long another user's Approve
// takes, from the click envelope to the "Approved by" reply in the thread,
// while one user floods the bot with 1000 request commands (default limits:
// 3 open requests, 20 commands a minute). Clicks go out spread over the
// flood; p99 must stay under 100 ms. Run with -benchtime=1x.
func BenchmarkApproveBesideFlood(b *testing.B) {
	const (
		flood  = 1000
		clicks = 100
	)
	var all []time.Duration
	for range b.N {
		b.StopTimer()
		h := newHarness(b)
		h.env["LOG_LEVEL"] = "warn"
		h.start()
		// One pending request for each click, each by its own requester.
		msgs := make([]slacktest.Message, clicks)
		for i := range clicks {
			u := fmt.Sprintf("UBEN%05d", i)
			if err := h.slack.AddUser(slacktest.User{ID: u, Name: "bench" + u[4:], TZ: "UTC"}); err != nil {
				b.Fatal(err)
			}
			h.slash(u, h.backupCommand("bench"))
			msgs[i] = h.approvalMessage(i + 1)
		}
		payloads := make([][]byte, flood)
		for i := range payloads {
			payloads[i] = h.slack.SlashPayload(slacktest.Slash{UserID: nyUser, ChannelID: opsChannel, Text: h.backupCommand("flood")})
		}
		b.StartTimer()

		lat := make([]time.Duration, clicks)
		var mu sync.Mutex
		sent := make([]time.Time, clicks) // zero: not clicked yet
		var wg sync.WaitGroup
		wg.Go(func() { // one watcher notes when each click's reply appears
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			want := "Approved by <@" + approver + ">"
			done := 0
			err := h.slack.WaitFor(ctx, func() bool {
				now := time.Now()
				mu.Lock()
				defer mu.Unlock()
				for n, m := range msgs {
					if lat[n] == 0 && !sent[n].IsZero() && countContaining(h.slack.Thread(m.Channel, m.TS), want) > 0 {
						lat[n] = now.Sub(sent[n])
						done++
					}
				}
				return done == clicks
			})
			if err != nil {
				b.Errorf("%d of %d clicks handled: %v", done, clicks, err)
			}
		})
		every := flood / clicks
		for i, p := range payloads {
			if _, err := h.slack.SendNoWait(slacktest.EnvelopeSlashCommands, p); err != nil {
				b.Fatal(err)
			}
			if i%every != 0 {
				continue
			}
			n := i / every
			m := msgs[n]
			raw, err := h.slack.ActionPayload(slacktest.Action{UserID: approver, ChannelID: m.Channel, MessageTS: m.TS, ActionID: "approve"})
			if err != nil {
				b.Fatal(err)
			}
			mu.Lock()
			sent[n] = time.Now()
			mu.Unlock()
			if _, err := h.slack.SendNoWait(slacktest.EnvelopeInteractive, raw); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait()
		b.StopTimer()
		all = append(all, lat...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = h.slack.WaitFor(ctx, func() bool { return len(h.slack.Unacked()) == 0 })
		cancel()
		b.StartTimer()
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "approve-p50-ms")
	b.ReportMetric(pct(0.99), "approve-p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "approve-max-ms")
}
