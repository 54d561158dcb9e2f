// Command loadtest drives the real db-restore bot process through the
// project's fake Slack and fake GaussDB over loopback: a burst of slash
// commands, then a burst of approvals spread over two replicas. It reports
// ack latency next to a floor (a bare Socket Mode client measured in the
// same run), restore calls made against approvals, and the bot's memory.
//
//	go run ./cmd/loadtest [-n 1000] [-redis redis://127.0.0.1:6379/0] [-bot PATH] [-strict]
//
// It exits non-zero when the run fails, when the restore calls differ from
// the approvals and, with -strict, when a latency or memory target is
// missed. See README.md next to this file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dbrestore/db-restore/internal/redistest"
)

func main() {
	if os.Getenv(roleEnv) == roleFloor {
		os.Exit(floorMain(os.Getenv, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain parses flags, runs the load test and prints the summary. It
// returns the exit code.
func runMain(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, strict, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "loadtest: find own executable for the floor client:", err)
		return 1
	}
	cfg.Self = self
	cfg.Progress = stderr
	if cfg.RedisURL == "" {
		url, stop, err := redistest.Throwaway()
		if err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
		defer stop()
		cfg.RedisURL = url
		fmt.Fprintf(stderr, "no -redis or REDIS_URL: the bots share a throwaway Redis at %s (redis-server from PATH, else an in-process emulator)\n", url)
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.MaxDuration)
	defer cancel()
	rep, err := run(ctx, cfg)
	if err != nil {
		if rep != nil {
			rep.printTrouble(stderr)
		}
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	rep.print(stdout)
	return exitCode(rep, strict)
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (Config, bool, error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	redisDefault := getenv("REDIS_URL") // "": an in-process Redis emulator (redistest.Throwaway)
	fs.IntVar(&cfg.N, "n", 1000, "slash commands in the burst, and approvals after it")
	fs.IntVar(&cfg.Requesters, "requesters", 100, "distinct users the commands come from")
	fs.IntVar(&cfg.Replicas, "replicas", 2, "bot processes (and floor clients), 1 to 10")
	fs.StringVar(&cfg.BotPath, "bot", "", "bot binary to run (default: build ./cmd/bot into a temp dir as the Dockerfile does)")
	race := fs.Bool("race", false, "build the bot with -race (slower; for hunting races under load)")
	fs.StringVar(&cfg.RedisURL, "redis", redisDefault, "Redis URL for the bots, taken from $REDIS_URL when set, else a throwaway redis-server from PATH or an in-process emulator; keys go under a fresh prefix, deleted afterwards")
	fs.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "bound on each wait (connect, acks, approval messages, jobs)")
	fs.DurationVar(&cfg.Settle, "settle", time.Second, "pause after the bots connect before idle RSS is read")
	fs.DurationVar(&cfg.MaxDuration, "max-duration", 10*time.Minute, "bound on the whole run")
	fs.DurationVar(&cfg.BoltP99, "bolt-p99", 500*time.Millisecond, "Bolt for JavaScript's p99 on the same burst, for the 1/5 target")
	fs.BoolVar(&cfg.KeepLogs, "v", false, "print the bots' log tails even when the run succeeds")
	strict := fs.Bool("strict", false, "exit non-zero when a latency or memory target is missed too")
	if err := fs.Parse(args); err != nil {
		return Config{}, false, err
	}
	if *race {
		cfg.Build = buildRace
	}
	if fs.NArg() > 0 {
		return Config{}, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.check(); err != nil {
		return Config{}, false, err
	}
	return cfg, *strict, nil
}
