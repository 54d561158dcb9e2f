package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options say how to run one redis-server process.
type Options struct {
	// Bin is the redis-server program; "" finds it (LookPath).
	Bin string
	// Dir is the server's working directory, where its config file (and a
	// Cluster node's nodes.conf) is written. "" runs it without one, the
	// config on the command line: nothing is written anywhere, so a server
	// that outlives every cleanup (killed by the kernel) leaves nothing
	// behind. Sentinel and Cluster need a Dir.
	Dir string
	// Sentinel runs the server as a Sentinel (its config file must be
	// writable: Sentinel rewrites it).
	Sentinel bool
	// Conf is extra config, one "name value…" line each.
	Conf []string
}

// Node is one redis-server (or Sentinel) process on a loopback port.
type Node struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string

	cmd    *exec.Cmd
	out    *head // what it writes to stdout and stderr
	once   sync.Once
	exited chan struct{}
}

// LookPath finds a Redis program (redis-server) on PATH, or in /usr/bin
// (Debian's place, off PATH in some minimal shells).
func LookPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := "/usr/bin/" + name
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not installed (Debian: apt-get install redis-server)", name)
}

// Launch starts a redis-server on a free loopback port with persistence off
// and waits until it answers PING. The port is found by binding :0 and
// releasing it, so another process may grab it first; then the server
// exits and the next of three attempts picks another port. On Linux the
// kernel kills the server if this process dies without calling Kill.
func Launch(o Options) (*Node, error) {
	if o.Bin == "" {
		bin, err := LookPath("redis-server")
		if err != nil {
			return nil, err
		}
		o.Bin = bin
	}
	var lastErr error
	for range 3 {
		s, err := launchOnce(o)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launchOnce(o Options) (*Node, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args, err := serverArgs(o, port)
	if err != nil {
		return nil, err
	}
	s := &Node{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, Dir: o.Dir,
		out: &head{max: 64 << 10}, exited: make(chan struct{})}
	s.cmd = exec.Command(o.Bin, args...)
	s.cmd.Dir = o.Dir
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Bin, err)
	}
	if err := s.waitUp(5 * time.Second); err != nil {
		s.Kill()
		return nil, fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, s.Log())
	}
	return s, nil
}

// serverArgs is the command line for o on port: a config file in o.Dir
// (the log beside it), or the config itself as --name value arguments (the
// log, warnings only, on stdout).
func serverArgs(o Options, port int) ([]string, error) {
	lines := []string{"port " + strconv.Itoa(port), "bind 127.0.0.1", "daemonize no"}
	if o.Dir != "" {
		lines = append(lines, "logfile "+filepath.Join(o.Dir, "redis.log"))
	} else {
		lines = append(lines, `logfile ""`, "loglevel warning")
	}
	if !o.Sentinel {
		lines = append(lines, `save ""`, "appendonly no", "repl-diskless-sync-delay 0")
	}
	lines = append(lines, o.Conf...)
	if o.Dir == "" {
		if o.Sentinel {
			return nil, errors.New("a Sentinel needs a Dir for its config file")
		}
		var args []string
		for _, l := range lines {
			name, value, _ := strings.Cut(l, " ")
			args = append(args, "--"+name)
			for _, f := range strings.Fields(value) {
				args = append(args, strings.Trim(f, `"`)) // `""` is the empty value
			}
		}
		return args, nil
	}
	cfg := filepath.Join(o.Dir, "redis.conf")
	if err := os.WriteFile(cfg, []byte("dir "+o.Dir+"\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return nil, err
	}
	if o.Sentinel {
		return []string{cfg, "--sentinel"}, nil
	}
	return []string{cfg}, nil
}

// start runs the process from a goroutine locked to its OS thread for the
// process's whole life: on Linux the server gets SIGKILL when that thread
// ends (Pdeathsig), which happens only when this process exits.
func (s *Node) start() error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		setParentDeathSignal(s.cmd)
		if err := s.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	return <-started
}

func (s *Node) waitUp(limit time.Duration) error {
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

// URL is the server's redis:// URL, database 0.
func (s *Node) URL() string { return "redis://" + s.Addr + "/0" }

// PID is the server's process ID.
func (s *Node) PID() int { return s.cmd.Process.Pid }

// Kill stops the process at once (SIGKILL by PID) and waits for it to exit.
func (s *Node) Kill() {
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
	})
}

// Log is what the server logged: its redis.log in Dir, or the start of
// what it wrote to stdout.
func (s *Node) Log() string {
	if s.Dir != "" {
		b, _ := os.ReadFile(filepath.Join(s.Dir, "redis.log"))
		return s.out.String() + string(b)
	}
	return s.out.String()
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// head keeps the first max bytes written to it: why a server did not
// start comes first.
type head struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (h *head) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - h.b.Len(); room > 0 {
		h.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (h *head) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.String()
}
