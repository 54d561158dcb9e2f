package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Latency sums up the acks of one burst.
type Latency struct {
	Count   int           // envelopes acked
	Late    int           // acked after Slack's 3 s deadline
	P50     time.Duration // median envelope-to-ack latency
	P99     time.Duration
	Max     time.Duration
	Sent    time.Duration // time to write the whole burst
	Bytes   int           // mean payload size
	PerConn map[int]int   // acks per Socket Mode connection (1 = first replica)
}

// burst writes every payload as fast as it can (the fake spreads them over
// the open connections in turn), waits for every ack and sums up their
// latencies, measured by the fake from the envelope's write to the ack's
// read.
func burst(ctx context.Context, cfg Config, fake *slacktest.Server, envType string, payloads []json.RawMessage) (Latency, error) {
	ids := make(map[string]bool, len(payloads))
	size := 0
	for _, p := range payloads {
		size += len(p)
	}
	start := time.Now()
	for i, p := range payloads {
		if i > 0 && i%100 == 0 && ctx.Err() != nil {
			return Latency{}, ctx.Err()
		}
		id, err := fake.SendNoWait(envType, p)
		if err != nil {
			return Latency{}, fmt.Errorf("send envelope %d of %d: %w", i+1, len(payloads), err)
		}
		ids[id] = true
	}
	sent := time.Since(start)

	pending := 0
	err := poll(ctx, cfg.Timeout, 10*time.Millisecond, func() bool {
		pending = 0
		for _, id := range fake.Unacked() {
			if ids[id] {
				pending++
			}
		}
		return pending == 0
	})
	if err != nil {
		return Latency{}, fmt.Errorf("%d of %d envelopes not acknowledged: %w", pending, len(ids), err)
	}
	var acks []slacktest.Ack
	for _, a := range fake.Acks() {
		if ids[a.EnvelopeID] {
			acks = append(acks, a)
		}
	}
	l := summarize(acks)
	l.Sent, l.Bytes = sent, size/max(1, len(payloads))
	return l, nil
}

// summarize computes the latency figures of a set of acks.
func summarize(acks []slacktest.Ack) Latency {
	l := Latency{Count: len(acks), PerConn: map[int]int{}}
	if len(acks) == 0 {
		return l
	}
	ds := make([]time.Duration, len(acks))
	for i, a := range acks {
		ds[i] = a.Latency
		if a.Late {
			l.Late++
		}
		l.PerConn[a.Conn]++
	}
	slices.Sort(ds)
	l.P50, l.P99, l.Max = percentile(ds, 50), percentile(ds, 99), ds[len(ds)-1]
	return l
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted ds.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999999)
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}

// copyMessages posts the approval messages, blocks and all, to the floor's
// fake through its Web API, so the floor's approval burst carries the same
// payloads as the bots'.
func copyMessages(ctx context.Context, fake *slacktest.Server, msgs []approvalMsg) ([]approvalMsg, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	out := make([]approvalMsg, 0, len(msgs))
	for _, m := range msgs {
		body, err := json.Marshal(map[string]any{"channel": approvalChannel, "text": m.text, "blocks": m.blocks})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, fake.APIURL()+"chat.postMessage", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+botToken)
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("copy approval message: %w", err)
		}
		var r struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
			TS    string `json:"ts"`
		}
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || !r.OK {
			return nil, fmt.Errorf("copy approval message: %v %s", err, r.Error)
		}
		out = append(out, approvalMsg{channel: approvalChannel, ts: r.TS, text: m.text, blocks: m.blocks})
	}
	return out, nil
}
