package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Ways to build the bot.
const (
	buildRelease = "release" // as the Dockerfile does: static, trimmed, stripped (what ships)
	buildRace    = "race"    // with the race detector
	buildPlain   = "plain"   // go build's defaults: reuses what go test compiled
)

// buildBot builds ./cmd/bot into bin with the go command on PATH. It works
// from anywhere inside the module.
func buildBot(ctx context.Context, bin, mode string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("build the bot: no go command on PATH (or pass -bot): %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := []string{"build", "-o", bin}
	var env []string
	switch mode {
	case buildRelease:
		args = append(args, "-trimpath", "-ldflags=-s -w")
		env = append(env, "CGO_ENABLED=0")
	case buildRace:
		args = append(args, "-race")
	}
	args = append(args, "github.com/dbrestore/db-restore/cmd/bot")
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s (run from inside the repository, or pass -bot): %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// proc is a child process: a bot replica or a floor client.
type proc struct {
	name   string
	cmd    *exec.Cmd
	logs   *tail
	health string        // bots: base URL of the health listener
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done is closed
	once   sync.Once
}

// startProc starts path with exactly env (no inherited variables but the
// Go runtime's tuning knobs) and collects its output.
func startProc(name, path string, env map[string]string) (*proc, error) {
	cmd := exec.Command(path)
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG", "GORACE", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	p := &proc{name: name, cmd: cmd, logs: &tail{max: 64 << 10}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	setParentDeathSignal(cmd) // a killed load tool leaves no children behind
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// startBot starts replica i with its own health port.
func startBot(cfg Config, w *world, bin, dir, prefix string, i int) (*proc, error) {
	port, err := redistest.FreePort()
	if err != nil {
		return nil, err
	}
	env := w.botEnv(cfg.RedisURL, prefix)
	env["HEALTH_ADDR"] = "127.0.0.1:" + strconv.Itoa(port)
	env["HOME"] = dir // nothing should write there; if anything does, it is thrown away
	p, err := startProc(fmt.Sprintf("bot %d", i), bin, env)
	if err != nil {
		return nil, err
	}
	p.health = "http://" + env["HEALTH_ADDR"]
	return p, nil
}

// startFloor starts floor client i: this executable in its floor role.
func startFloor(cfg Config, fake *slacktest.Server, i int) (*proc, error) {
	return startProc(fmt.Sprintf("floor %d", i), cfg.Self, map[string]string{
		roleEnv: roleFloor, "SLACK_APP_TOKEN": appToken, "SLACK_BOT_TOKEN": botToken, "SLACK_API_URL": fake.APIURL(),
	})
}

// waitConnected waits until the fake has n connections, failing early
// when p exits.
func waitConnected(ctx context.Context, cfg Config, fake *slacktest.Server, n int, p *proc) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	go func() {
		select {
		case <-p.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := fake.WaitConnected(ctx, n); err != nil {
		if p.exited() {
			return fmt.Errorf("%s exited before connecting: %v\n%s", p.name, p.err, p.logs.String())
		}
		return fmt.Errorf("%s did not connect: %w\n%s", p.name, err, p.logs.String())
	}
	return nil
}

// waitReady waits until replica p holds connection n and its /readyz says
// ready (Socket Mode connected and Redis answering).
func waitReady(ctx context.Context, cfg Config, fake *slacktest.Server, n int, p *proc) error {
	if err := waitConnected(ctx, cfg, fake, n, p); err != nil {
		return err
	}
	client := &http.Client{Timeout: time.Second}
	last := ""
	err := poll(ctx, cfg.Timeout, 20*time.Millisecond, func() bool {
		if p.exited() {
			return true
		}
		resp, err := client.Get(p.health + "/readyz")
		if err != nil {
			last = err.Error()
			return false
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK
	})
	switch {
	case p.exited():
		return fmt.Errorf("%s exited: %v\n%s", p.name, p.err, p.logs.String())
	case err != nil:
		return fmt.Errorf("%s: /readyz never answered 200 (last: %s): %w\n%s", p.name, last, err, p.logs.String())
	}
	return nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits for the exit, killing the process after
// grace. It returns the exit error (nil for a clean exit 0).
func (p *proc) stop(grace time.Duration) error {
	p.once.Do(func() { _ = p.cmd.Process.Signal(syscall.SIGTERM) })
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return p.err
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not exit within %s of SIGTERM; killed", grace)
	}
}

// usage is what a process has used so far: its resident set now and at its
// high-water mark, and CPU time.
type usage struct {
	rss, hwm      int64
	anon, fileRSS int64 // rss split: heap and stacks, and mapped binary pages
	cpu           time.Duration
}

// usage reads VmRSS and VmHWM from /proc/PID/status and the CPU time from
// /proc/PID/stat (Linux only).
func (p *proc) usage() (usage, error) {
	dir := filepath.Join("/proc", strconv.Itoa(p.cmd.Process.Pid))
	m, err := readMemory(filepath.Join(dir, "status"))
	if err != nil {
		return usage{}, fmt.Errorf("%s: %w", p.name, err)
	}
	if m.cpu, err = readCPU(filepath.Join(dir, "stat")); err != nil {
		return usage{}, fmt.Errorf("%s: %w", p.name, err)
	}
	return m, nil
}

func readMemory(path string) (usage, error) {
	f, err := os.Open(path)
	if err != nil {
		return usage{}, fmt.Errorf("read memory (Linux /proc only): %w", err)
	}
	defer f.Close()
	var m usage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "VmRSS":
			dst = &m.rss
		case "VmHWM":
			dst = &m.hwm
		case "RssAnon":
			dst = &m.anon
		case "RssFile":
			dst = &m.fileRSS
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return usage{}, fmt.Errorf("parse %s %q: %w", k, v, err)
		}
		*dst = kb << 10
	}
	if err := sc.Err(); err != nil {
		return usage{}, fmt.Errorf("read memory: %w", err)
	}
	if m.rss == 0 {
		return usage{}, fmt.Errorf("no VmRSS in %s (has the process exited?)", path)
	}
	return m, nil
}

// readCPU returns utime + stime from /proc/PID/stat, which counts in
// USER_HZ ticks: 100 a second on every Linux ABI Go supports.
func readCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after the last ')'. utime and stime are fields 14, 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse %s: no command name", path)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("parse %s: %d fields", path, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s: %w", path, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
	cut bool
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b.Write(p)
	if over := t.b.Len() - t.max; over > 0 {
		t.b.Next(over)
		t.cut = true
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.b.String()
	if t.cut {
		s = "…" + s
	}
	if s == "" {
		return "  (no output)"
	}
	return s
}
