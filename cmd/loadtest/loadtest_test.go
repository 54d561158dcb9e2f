package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dbrestore/db-restore/internal/redisconn"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// TestMain lets the test binary play the floor client, as the load tool's
// own binary does when it starts one.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == roleFloor {
		os.Exit(floorMain(os.Getenv, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole tool with a small burst: the real bot binary,
// two replicas, the fakes, Redis, the floor clients.
func TestSmoke(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	url := redistest.Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const n = 20
	build := buildPlain // the bot's packages are then already compiled by go test
	if raceEnabled {
		build = buildRace
	}
	cfg := Config{
		N: n, Requesters: 5, Replicas: 2, RedisURL: url, Self: self,
		Build:   build,
		Timeout: 30 * time.Second, Settle: 50 * time.Millisecond, MaxDuration: 4 * time.Minute,
		BoltP99: 500 * time.Millisecond, Progress: logWriter{t},
	}
	rep, err := run(ctx, cfg)
	if err != nil {
		if rep != nil {
			var b strings.Builder
			rep.printTrouble(&b)
			t.Log(b.String())
		}
		t.Fatal(err)
	}
	var out strings.Builder
	rep.print(&out)
	t.Log(out.String())

	if code := exitCode(rep, false); code != 0 || !rep.callsMatch() {
		t.Errorf("exit code %d: %d restore calls to %d targets for %d approvals of %d requests, want one each",
			code, rep.RestoreCalls, rep.DistinctTargets, rep.Approved, n)
	}
	for name, l := range map[string]Latency{
		"bot slash": rep.BotSlash, "bot approve": rep.BotApprove,
		"floor slash": rep.FloorSlash, "floor approve": rep.FloorApprove,
	} {
		if l.Count != n || l.Late != 0 {
			t.Errorf("%s: %d acks, %d late; want %d on time", name, l.Count, l.Late, n)
		}
		if len(l.PerConn) != 2 {
			t.Errorf("%s: acks per connection %v, want both replicas used", name, l.PerConn)
		}
		if l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
			t.Errorf("%s: p50 %v, p99 %v, max %v out of order", name, l.P50, l.P99, l.Max)
		}
	}
	if len(rep.IdleRSS) != 2 || len(rep.PeakRSS) != 2 {
		t.Fatalf("RSS idle %v, peak %v: want one figure per replica", rep.IdleRSS, rep.PeakRSS)
	}
	for i := range rep.IdleRSS {
		if rep.IdleRSS[i] <= 0 || rep.PeakRSS[i] < rep.IdleRSS[i] {
			t.Errorf("replica %d: idle RSS %d, peak %d", i+1, rep.IdleRSS[i], rep.PeakRSS[i])
		}
	}
	if len(rep.BotExits) > 0 {
		t.Errorf("replicas did not stop cleanly: %q", rep.BotExits)
	}
	if len(rep.Violations) > 0 {
		t.Errorf("Slack rules broken: %q", rep.Violations)
	}
	assertNoKeys(t, url, rep.Prefix)
}

// assertNoKeys checks the run deleted its keys.
func assertNoKeys(t *testing.T, url, prefix string) {
	t.Helper()
	if !strings.HasPrefix(prefix, "{loadtest-") {
		t.Fatalf("prefix %q", prefix)
	}
	o, err := redisconn.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := o.NewClient()
	defer c.Close()
	keys, _, err := c.Scan(context.Background(), 0, prefix+"*", 1000).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		t.Errorf("%d keys left under %s, e.g. %s", len(keys), prefix, keys[0])
	}
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
