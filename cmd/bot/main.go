// Command bot is the db-restore Slack bot. Everything but signal handling
// lives in run, so tests start the whole bot in-process.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // requesters' time zones, even on images without zoneinfo
)

// shutdownGrace bounds a graceful stop: in-flight restore submissions and
// state writes finish, within the 30 s Kubernetes gives by default.
const shutdownGrace = 20 * time.Second

// gcPercent replaces Go's default GOGC of 100. The live heap is tiny (about
// 2 MiB), so at 100 a burst of envelopes triggers a collection every few
// dozen requests, and its assists and pauses land on the ack path. At 400 a
// burst of 1000 commands acks several times faster (see the load tool) for
// a peak RSS near 40 MiB. GOGC and GOMEMLIMIT in the environment still win.
const gcPercent = 400

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // from now on a second signal ends the process at once
		time.AfterFunc(shutdownGrace, func() {
			fmt.Fprintln(os.Stderr, "db-restore: graceful shutdown took longer than", shutdownGrace, "- exiting")
			os.Exit(1)
		})
	}()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "db-restore:", err)
		os.Exit(1)
	}
}
