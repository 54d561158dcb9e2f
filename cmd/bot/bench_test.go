package main

import (
	"context"
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
