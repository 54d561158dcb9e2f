package main

import (
	"context"
	"io"

	"github.com/dbrestore/db-restore/internal/botrun"
)

// run starts the bot (internal/botrun) and blocks until ctx ends or a fatal
// error. It reads its settings through getenv only.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return botrun.Run(ctx, args, getenv, stdout, stderr)
}

// runWith is run with hooks: the clock, and changes to the configuration
// (botrun.Hooks), for tests.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, h botrun.Hooks) error {
	return botrun.RunWith(ctx, args, getenv, stdout, stderr, h)
}
