// Command sandbox runs the real bot in one process against the project's
// Slack and GaussDB emulators, seeded with a small estate, and serves a page
// that looks and behaves like a Slack workspace: try db-restore with no
// Slack app, no cloud account and no network.
//
//	go run ./cmd/sandbox        # then open http://127.0.0.1:8090
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // the people's time zones, even without zoneinfo

	"github.com/dbrestore/db-restore/internal/sandbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "db-restore sandbox:", err)
		os.Exit(1)
	}
}

// run starts the sandbox and blocks until ctx ends or the bot stops. Of the
// environment it reads only SANDBOX_ADDR, REDIS_URL, RESTORE_POLICY_FILE and
// SANDBOX_LOG (stderr: the bot's log lines there too), and it refuses
// SLACK_API_URL and GAUSSDB_ENDPOINT.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := sandbox.CheckEnv(getenv); err != nil {
		return err
	}
	o := sandbox.Options{Addr: getenv("SANDBOX_ADDR"), RedisURL: getenv("REDIS_URL"), PolicyFile: getenv("RESTORE_POLICY_FILE")}
	if getenv("SANDBOX_LOG") == "stderr" {
		o.Logs = stderr
	}
	sb, err := sandbox.Start(ctx, o)
	if err != nil {
		return err
	}
	defer sb.Close()
	store := "embedded in-memory store"
	if o.RedisURL != "" {
		store = "REDIS_URL"
	}
	policy := "sample policy"
	if o.PolicyFile != "" {
		policy = o.PolicyFile
	}
	fmt.Fprintf(stdout, "db-restore sandbox on %s (bot + Slack and GaussDB emulators on loopback, %s, %s; never talks to the real Slack or cloud)\n",
		sb.URL, store, policy)
	if host, _, err := net.SplitHostPort(sb.URL[len("http://"):]); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(stderr, "warning: SANDBOX_ADDR %s is not loopback: anyone who can reach it can act as anyone\n", host)
		}
	}
	select {
	case <-ctx.Done():
		return nil
	case <-sb.Done():
		return fmt.Errorf("the bot stopped: %w", sb.Err())
	}
}
