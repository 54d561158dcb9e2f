package main

import (
	"context"
	"fmt"
	"slices"
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

// BenchmarkApproveBesideFlood measures another user's Approve, from the
// click envelope to the "Approved by" reply in the thread, first on a quiet
// bot, then while one user floods it with 1000 request commands (default
// limits: 3 open requests, 20 commands a minute). The approver clicks one
// request after another, each after the previous reply, for as long as the
// flood lasts (until every flood envelope is acked). The flood's delay is
// flood-p99 minus quiet-p99; it must stay under 100 ms. Run with
// -benchtime=1x.
func BenchmarkApproveBesideFlood(b *testing.B) {
	const (
		flood    = 1000
		requests = 80 // pending requests to click: quiet ones, then during the flood
		quiet    = 20
	)
	var calm, busy []time.Duration
	during := 0
	for range b.N {
		b.StopTimer()
		h := newHarness(b)
		h.env["LOG_LEVEL"] = "warn"
		h.start()
		msgs := make([]slacktest.Message, requests) // one pending request each, by its own requester
		for i := range requests {
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
		click := func(m slacktest.Message) time.Duration {
			raw, err := h.slack.ActionPayload(slacktest.Action{UserID: approver, ChannelID: m.Channel, MessageTS: m.TS, ActionID: "approve"})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			if _, err := h.slack.Send(ctx, slacktest.EnvelopeInteractive, raw); err != nil {
				b.Fatal(err)
			}
			want := "Approved by <@" + approver + ">"
			if err := h.slack.WaitFor(ctx, func() bool { return countContaining(h.slack.Thread(m.Channel, m.TS), want) > 0 }); err != nil {
				b.Fatalf("click not handled: %v", err)
			}
			return time.Since(start)
		}
		b.StartTimer()

		for _, m := range msgs[:quiet] {
			calm = append(calm, click(m))
		}
		acks := len(h.slack.Acks())
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			for _, p := range payloads {
				if _, err := h.slack.SendNoWait(slacktest.EnvelopeSlashCommands, p); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		for _, m := range msgs[quiet:] {
			busy = append(busy, click(m))
			if len(h.slack.Acks()) >= acks+flood+len(busy) {
				break // the flood is over
			}
		}
		during += len(busy)
		<-sent
		b.StopTimer()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = h.slack.WaitFor(ctx, func() bool { return len(h.slack.Unacked()) == 0 })
		cancel()
		b.StartTimer()
	}
	ms := func(lat []time.Duration, p float64) float64 {
		s := slices.Sorted(slices.Values(lat))
		return float64(s[int(p*float64(len(s)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(calm, 0.50), "quiet-p50-ms")
	b.ReportMetric(ms(calm, 0.99), "quiet-p99-ms")
	b.ReportMetric(ms(busy, 0.50), "flood-p50-ms")
	b.ReportMetric(ms(busy, 0.99), "flood-p99-ms")
	b.ReportMetric(ms(busy, 0.99)-ms(calm, 0.99), "delay-p99-ms")
	b.ReportMetric(float64(during)/float64(b.N), "clicks-in-flood")
}
