package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// embeddedRedis gives the bots a Redis when none was named, so the load
// tool needs no Redis of its own: a throwaway redis-server when one is on
// PATH (closest to production, and fast enough for 1000 requests), else the
// emulator the bot itself embeds (miniredis, Lua included) on a loopback
// port. Under the default burst, miniredis in this busy process answers
// slowly enough for some Redis reads to time out; the bots' memory figures
// are the same either way.
func embeddedRedis() (url string, stop func(), err error) {
	if path, err := exec.LookPath("redis-server"); err == nil {
		if url, stop, err := throwawayServer(path); err == nil {
			return url, stop, nil
		}
	}
	m := miniredis.NewMiniRedis()
	m.ClockTTL(true) // key TTLs (leases) on the wall clock, as in Redis
	if err := m.StartAddr("127.0.0.1:0"); err != nil {
		return "", nil, fmt.Errorf("start the in-process Redis emulator: %w", err)
	}
	return "redis://" + m.Addr() + "/0", m.Close, nil
}

// throwawayServer starts redis-server without persistence on a free
// loopback port and waits until it answers.
func throwawayServer(path string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err = c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return "redis://" + addr + "/0", stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("redis-server on %s did not answer: %w", addr, err)
}
