package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestLaunchWithoutDir: a server with no directory takes its config from
// the command line (the empty save value included) and writes nothing.
func TestLaunchWithoutDir(t *testing.T) {
	bin := binary(t, "redis-server")
	s, err := Launch(Options{Bin: bin, Conf: []string{"maxmemory-policy noeviction"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	for name, want := range map[string]string{"save": "", "appendonly": "no", "maxmemory-policy": "noeviction"} {
		v := s.Do(t, "CONFIG", "GET", name).(map[any]any)
		if got := v[name]; got != want {
			t.Errorf("CONFIG GET %s = %q, want %q", name, got, want)
		}
	}
	pid := s.PID()
	s.Kill()
	if _, err := s.try(time.Second, "PING"); err == nil {
		t.Errorf("server (pid %d) still answers after Kill", pid)
	}
}

// TestStartWritesItsConfigInItsDir: a test's server runs in its own
// directory, where a Cluster node keeps nodes.conf.
func TestStartWritesItsConfigInItsDir(t *testing.T) {
	s := Start(t, false, clusterConf...)
	dir := s.Do(t, "CONFIG", "GET", "dir").(map[any]any)["dir"]
	if dir != s.Dir {
		t.Errorf("dir = %q, want the test's %q", dir, s.Dir)
	}
	if info := s.Do(t, "INFO", "cluster").(string); !strings.Contains(info, "cluster_enabled:1") {
		t.Errorf("INFO cluster = %q, want a cluster node (the config file's lines)", info)
	}
}

func TestThrowaway(t *testing.T) {
	url, stop, err := Throwaway()
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
		t.Errorf("the throwaway Redis does not run Lua scripts: %v", err)
	}
}

// TestLaunchSaysWhyItFailed: a server that exits at start is reported
// with what it said, from the command line or from its log file.
func TestLaunchSaysWhyItFailed(t *testing.T) {
	bin := binary(t, "redis-server")
	for _, dir := range []string{"", t.TempDir()} {
		_, err := Launch(Options{Bin: bin, Dir: dir, Conf: []string{"no-such-directive yes"}})
		if err == nil || !strings.Contains(err.Error(), "no-such-directive") {
			t.Errorf("dir %q: Launch with a bad directive = %v; want the server's complaint naming it", dir, err)
		}
	}
}
