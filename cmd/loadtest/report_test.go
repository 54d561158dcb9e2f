package main

import (
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(hundred...), 99, 99 * time.Millisecond},
		{"p50 of 100 is the 50th", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 10 is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	acks := []slacktest.Ack{
		{Latency: 3 * time.Millisecond, Conn: 1},
		{Latency: 1 * time.Millisecond, Conn: 2},
		{Latency: 4 * time.Second, Conn: 1, Late: true},
	}
	l := summarize(acks)
	if l.Count != 3 || l.Late != 1 || l.P50 != 3*time.Millisecond || l.Max != 4*time.Second || l.PerConn[1] != 2 || l.PerConn[2] != 1 {
		t.Errorf("summarize = %+v", l)
	}
}

func TestExitCode(t *testing.T) {
	good := func() *Report {
		return &Report{
			N: 10, Approved: 10, RestoreCalls: 10, DistinctTargets: 10, BoltP99: 500 * time.Millisecond,
			BotSlash: Latency{P99: 20 * time.Millisecond}, FloorSlash: Latency{P99: 10 * time.Millisecond},
			BotApprove: Latency{P99: 20 * time.Millisecond}, FloorApprove: Latency{P99: 10 * time.Millisecond},
			IdleRSS: []int64{15 << 20, 16 << 20},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*Report)
		strict bool
		want   int
	}{
		{"all good", func(*Report) {}, false, 0},
		{"all good, strict", func(*Report) {}, true, 0},
		{"a restore call too many", func(r *Report) { r.RestoreCalls = 11 }, false, 1},
		{"a restore call missing", func(r *Report) { r.RestoreCalls = 9 }, false, 1},
		{"two calls to one target", func(r *Report) { r.DistinctTargets = 9 }, false, 1},
		{"an approval not acked", func(r *Report) { r.Approved, r.RestoreCalls, r.DistinctTargets = 9, 9, 9 }, false, 1},
		{"slow acks count only when strict", func(r *Report) { r.BotSlash.P99 = 200 * time.Millisecond }, false, 0},
		{"slow acks, strict", func(r *Report) { r.BotSlash.P99 = 200 * time.Millisecond }, true, 1},
		{"slow approvals, strict", func(r *Report) { r.BotApprove.P99 = 31 * time.Millisecond }, true, 1},
		{"fat replica, strict", func(r *Report) { r.IdleRSS[1] = 20 << 20 }, true, 1},
		{"bad exit, strict", func(r *Report) { r.BotExits = []string{"bot 1: exit status 1"} }, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.change(r)
			if got := exitCode(r, tc.strict); got != tc.want {
				var b strings.Builder
				r.print(&b)
				t.Errorf("exitCode = %d, want %d\n%s", got, tc.want, b.String())
			}
		})
	}
}

func TestReadProc(t *testing.T) {
	dir := "/proc/" + strconv.Itoa(os.Getpid())
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no /proc here")
	}
	m, err := readMemory(dir + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if m.rss <= 0 || m.hwm < m.rss {
		t.Errorf("rss %d, hwm %d", m.rss, m.hwm)
	}
	if _, err := readCPU(dir + "/stat"); err != nil {
		t.Fatal(err)
	}
}

// Without -redis or REDIS_URL the tool brings its own Redis emulator: no
// Redis server is needed to run it.
func TestNoRedisNeededByDefault(t *testing.T) {
	cfg, _, err := parseFlags(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "" {
		t.Fatalf("default Redis URL %q: the tool would need a Redis of its own", cfg.RedisURL)
	}
	url, stop, err := redistest.Throwaway()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	if err := c.Eval(context.Background(), "return redis.call('SET', KEYS[1], 'x')", []string{"k"}).Err(); err != nil {
		t.Errorf("the emulator does not run Lua scripts (the bot's transitions need them): %v", err)
	}
}
