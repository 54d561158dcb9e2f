// Package redistest owns the Redis that tests and the load tool run
// against: one shared server with a key prefix per test, and real
// deployments started from redis-server for fault tests.
//
// New, Miniredis and Server give a test a Redis over TCP, each test
// isolated under its own key prefix. The server is chosen once per test
// binary, in this order:
//
//  1. REDIS_URL, when set (any form redisconn.ParseURL accepts). It must
//     answer: a test never skips because Redis is missing.
//  2. On Linux, a throwaway redis-server from PATH on a free loopback
//     port, started once per test binary with persistence off and killed
//     by the kernel when the test binary exits.
//  3. An embedded miniredis, one per call.
//
// Which one is used is printed once to stderr. Throwaway gives a program
// (cmd/loadtest) the same choice without a test.
//
// Start, StartSentinel(Replicas) and StartCluster(Replicas) start single
// servers, a primary with replicas watched by Sentinel, and a Redis
// Cluster of three primaries with replicas each: every process a
// redis-server on a free loopback port, killed by PID when the test ends
// (or by the test, to cause a failover). A Proxy between a replica and its
// primary holds replication back, making the replica lag; between a client
// and a server it loses a command's reply. When
// redis-server is missing these tests are skipped, saying why, unless CI
// is set: then they fail.
//
// This is test-only code: its lazily started, process-wide server is the
// one piece of package-level state in the project.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/dbrestore/db-restore/internal/redisconn"
)

type kind int

const (
	kindURL kind = iota
	kindServer
	kindMiniredis
)

// backend is the server chosen for this test binary.
type backend struct {
	kind kind
	url  string // REDIS_URL or the throwaway server's URL
	opts redisconn.Options
	err  error // why the chosen server is unusable; every test fails with it
}

var (
	chooseOnce sync.Once
	chosen     backend
)

func choose() backend {
	chooseOnce.Do(func() {
		chosen = pick()
		switch {
		case chosen.err != nil:
			fmt.Fprintf(os.Stderr, "redistest: %v\n", chosen.err)
		case chosen.kind == kindURL:
			fmt.Fprintf(os.Stderr, "redistest: using REDIS_URL=%s\n", redisconn.Redact(chosen.url))
		case chosen.kind == kindServer:
			fmt.Fprintf(os.Stderr, "redistest: using throwaway redis-server on %s\n", chosen.opts.Single.Addr)
		default:
			fmt.Fprintf(os.Stderr, "redistest: using embedded miniredis\n")
		}
	})
	return chosen
}

func pick() backend {
	if raw := os.Getenv("REDIS_URL"); raw != "" {
		b := backend{kind: kindURL, url: raw}
		b.opts, b.err = redisconn.ParseURL(raw)
		if b.err != nil {
			b.err = fmt.Errorf("REDIS_URL=%s: %w", redisconn.Redact(raw), b.err)
			return b
		}
		c := b.opts.NewClient()
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Ping(ctx).Err(); err != nil {
			b.err = fmt.Errorf("REDIS_URL=%s does not answer (unset it to use a throwaway redis-server or miniredis): %w",
				redisconn.Redact(raw), err)
		}
		return b
	}
	if path, err := exec.LookPath("redis-server"); err == nil && serverDiesWithParent {
		srv, err := Launch(Options{Bin: path})
		if err != nil {
			return backend{kind: kindServer, err: fmt.Errorf("start throwaway %s: %w", path, err)}
		}
		b := backend{kind: kindServer, url: srv.URL()}
		b.opts, b.err = redisconn.ParseURL(b.url)
		return b
	}
	return backend{kind: kindMiniredis}
}

// New returns a client for this test and a key prefix no other test uses,
// of the form "{t-<random>}:" (one Redis Cluster hash slot). When the test
// ends, every key under the prefix is deleted and the client is closed.
func New(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	b := choose()
	if b.err != nil {
		tb.Fatalf("redistest: %v", b.err)
	}
	if b.kind == kindMiniredis {
		return Miniredis(tb)
	}
	c := b.opts.NewClient()
	return c, register(tb, c)
}

// Miniredis returns a client of a fresh embedded miniredis, whatever server
// New would pick, for checking that code also runs there (the bot's
// embedded store is a miniredis). Key TTLs follow the wall clock.
func Miniredis(tb testing.TB) (redis.UniversalClient, string) {
	tb.Helper()
	m := startMiniredis(tb)
	c := redis.NewClient(&redis.Options{Addr: m.Addr()})
	return c, register(tb, c)
}

// Server returns a REDIS_URL for an end-to-end test to hand to the bot:
// REDIS_URL itself, the throwaway server's URL, or a fresh miniredis
// stopped when the test ends. The bot under test picks its own key prefix,
// so tests sharing REDIS_URL or the throwaway server share those keys.
func Server(tb testing.TB) string {
	tb.Helper()
	b := choose()
	if b.err != nil {
		tb.Fatalf("redistest: %v", b.err)
	}
	if b.kind == kindMiniredis {
		return "redis://" + startMiniredis(tb).Addr() + "/0"
	}
	return b.url
}

func startMiniredis(tb testing.TB) *miniredis.Miniredis {
	tb.Helper()
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true)
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		tb.Fatalf("redistest: start miniredis: %v", err)
	}
	tb.Cleanup(m.Close)
	return m
}

// register gives the client a fresh prefix and arranges for the prefix's
// keys to be deleted, then the client closed, when the test ends.
func register(tb testing.TB, c redis.UniversalClient) string {
	tb.Helper()
	prefix := "{t-" + randomHex(6) + "}:"
	tb.Cleanup(func() { _ = c.Close() }) // runs last
	tb.Cleanup(func() {
		// The test's own context is already cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := DeletePrefix(ctx, c, prefix); err != nil {
			tb.Errorf("redistest: delete keys under %q: %v", prefix, err)
		}
	})
	return prefix
}

// DeletePrefix deletes every key that starts with prefix; see
// redisconn.DeletePrefix.
func DeletePrefix(ctx context.Context, c redis.UniversalClient, prefix string) error {
	return redisconn.DeletePrefix(ctx, c, prefix)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("redistest: crypto/rand: %v", err)) // never fails on supported platforms
	}
	return hex.EncodeToString(b)
}
