// Package redistopo starts real Redis deployments for fault tests: single
// servers, a primary with a replica watched by Sentinel, and a Redis Cluster
// of three primaries with a replica each. Every process is a redis-server
// from PATH on a free loopback port, killed by PID when the test ends (or
// by a test, to cause a failover). A Proxy between a replica and its
// primary can hold replication back, making the replica lag.
//
// A missing redis-server (or redis-cli, for Cluster) fails the test: it
// never skips.
package redistopo

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server (or Sentinel) process.
type Server struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string

	cmd    *exec.Cmd
	once   sync.Once
	exited chan struct{}
}

// binary finds a Redis program on PATH (or in /usr/bin). When it is
// missing, the test fails in CI (CI set: .ci/run installs redis-server) and
// is skipped elsewhere, so the README's test command works on a machine
// that has only Go.
func binary(tb testing.TB, name string) string {
	tb.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/bin/" + name; fileExists(p) {
		return p
	}
	why := fmt.Sprintf("redistopo: %s is not installed (Debian: apt-get install redis-server); these tests start real Redis deployments from it", name)
	if os.Getenv("CI") != "" {
		tb.Fatal(why)
	}
	tb.Skip(why + "; skipped outside CI (CI=true makes this a failure)")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// FreePort returns a loopback port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistopo: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs redis-server on a free loopback port with persistence off and
// the extra config lines given ("name value" each), waits until it answers
// PING, and kills it when the test ends. With sentinel set it runs as a
// Sentinel (the config file must be writable: Sentinel rewrites it).
func Start(tb testing.TB, sentinel bool, conf ...string) *Server {
	tb.Helper()
	bin := binary(tb, "redis-server")
	var lastErr error
	for range 3 {
		s, err := tryStart(tb, bin, sentinel, conf)
		if err == nil {
			return s
		}
		lastErr = err
	}
	tb.Fatalf("redistopo: %v", lastErr)
	return nil
}

func tryStart(tb testing.TB, bin string, sentinel bool, conf []string) (*Server, error) {
	port := FreePort(tb)
	dir := tb.TempDir()
	lines := []string{
		"port " + strconv.Itoa(port), "bind 127.0.0.1", "daemonize no",
		"dir " + dir, "logfile " + filepath.Join(dir, "redis.log"),
	}
	if !sentinel {
		lines = append(lines, `save ""`, "appendonly no", "repl-diskless-sync-delay 0")
	}
	lines = append(lines, conf...)
	cfg := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	args := []string{cfg}
	if sentinel {
		args = append(args, "--sentinel")
	}
	cmd := exec.Command(bin, args...)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	tb.Cleanup(s.Kill)
	if err := s.waitUp(5 * time.Second); err != nil {
		s.Kill()
		log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
		return nil, fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, log)
	}
	return s, nil
}

func (s *Server) waitUp(limit time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("exited at start: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not answer within %s: %w", limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the process at once (SIGKILL by PID) and waits for it to exit.
func (s *Server) Kill() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Client is a plain client of this server, closed when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Do runs one command on the server and fails the test on error.
func (s *Server) Do(tb testing.TB, args ...any) any {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.Do(ctx, args...).Result()
	if err != nil {
		tb.Fatalf("redistopo: %s %v: %v", s.Addr, args, err)
	}
	return v
}

// Eventually polls cond every 20ms until it holds or limit passes.
func Eventually(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("redistopo: %s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
