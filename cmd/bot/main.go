// Command bot is the db-restore Slack bot. Everything but signal handling
// lives in run, so tests start the whole bot in-process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // requesters' time zones, even on images without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "db-restore:", err)
		os.Exit(1)
	}
}
