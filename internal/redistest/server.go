package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// startServer starts a redis-server on a free loopback port and waits for
// it to answer. The port is found by binding :0 and releasing it, so
// another process may grab it first; then the server exits and the next
// attempt picks another port.
func startServer(path string) (string, error) {
	var lastErr error
	for range 3 {
		addr, err := tryStart(path)
		if err == nil {
			return addr, nil
		}
		lastErr = err
	}
	return "", lastErr
}

func tryStart(path string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	exited := make(chan error, 1)
	started := make(chan error, 1)
	// The server is started from a goroutine locked to its OS thread for
	// the server's whole life: on Linux the server gets SIGKILL when that
	// thread ends (Pdeathsig), which happens only when the test binary
	// exits.
	go func() {
		runtime.LockOSThread()
		cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
		setParentDeathSignal(cmd)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", err
	}
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return addr, nil
		}
		select {
		case werr := <-exited:
			return "", fmt.Errorf("redis-server on %s exited at start: %w", addr, errors.Join(werr, err))
		default:
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("redis-server on %s did not answer within 5s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
