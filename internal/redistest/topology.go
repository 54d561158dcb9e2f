package redistest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// binary finds a Redis program for a topology test. When it is missing,
// the test fails in CI (CI set: .ci/run installs redis-server) and is
// skipped elsewhere, so the README's test command works on a machine that
// has only Go.
func binary(tb testing.TB, name string) string {
	tb.Helper()
	p, err := LookPath(name)
	if err == nil {
		return p
	}
	why := fmt.Sprintf("redistest: %v; these tests start real Redis deployments from it", err)
	if os.Getenv("CI") != "" {
		tb.Fatal(why)
	}
	tb.Skip(why + "; skipped outside CI (CI=true makes this a failure)")
	return ""
}

// Start runs redis-server for this test on a free loopback port with
// persistence off and the extra config lines given ("name value" each),
// in a directory of its own, waits until it answers PING, and kills it
// when the test ends. With sentinel set it runs as a Sentinel.
func Start(tb testing.TB, sentinel bool, conf ...string) *Node {
	tb.Helper()
	s, err := Launch(Options{Bin: binary(tb, "redis-server"), Dir: tb.TempDir(), Sentinel: sentinel, Conf: conf})
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(s.Kill)
	return s
}

// Client is a plain client of this server, closed when the test ends.
func (s *Node) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Do runs one command on the server and fails the test on error.
func (s *Node) Do(tb testing.TB, args ...any) any {
	tb.Helper()
	v, err := s.try(10*time.Second, args...)
	if err != nil {
		tb.Fatalf("redistest: %s %v: %v", s.Addr, args, err)
	}
	return v
}

// try runs one command on the server, without retries, within limit.
func (s *Node) try(limit time.Duration, args ...any) (any, error) {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	return c.Do(ctx, args...).Result()
}

// Eventually polls cond every 20ms until it holds or limit passes.
func Eventually(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: %s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// IsPrimary reports whether s answers ROLE as a primary.
func IsPrimary(s *Node) bool {
	v, err := s.try(time.Second, "ROLE")
	role, _ := v.([]any)
	return err == nil && len(role) > 0 && role[0] == "master"
}

// replicasOnline counts the replicas s reports online (INFO
// replication), or -1.
func replicasOnline(s *Node) int {
	v, err := s.try(time.Second, "INFO", "replication")
	info, _ := v.(string)
	if err != nil {
		return -1
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "slave") && strings.Contains(line, "state=online") {
			n++
		}
	}
	return n
}
