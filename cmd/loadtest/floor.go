package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// The floor client is this executable started again with roleEnv=floor.
const (
	roleEnv   = "DB_RESTORE_LOADTEST_ROLE"
	roleFloor = "floor"
)

// floorMain is the floor: a bare Socket Mode client on the same library as
// the bot (slack-go socketmode) that acks each envelope from its event loop
// and does nothing else. It runs until SIGTERM and returns the exit code.
func floorMain(getenv func(string) string, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	api := slack.New(getenv("SLACK_BOT_TOKEN"),
		slack.OptionAppLevelToken(getenv("SLACK_APP_TOKEN")),
		slack.OptionAPIURL(getenv("SLACK_API_URL")))
	sm := socketmode.New(api)
	runErr := make(chan error, 1)
	go func() { runErr <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-runErr
			return 0
		case err := <-runErr:
			fmt.Fprintln(stderr, "floor:", err)
			return 1
		case evt := <-sm.Events:
			if evt.Request != nil && evt.Request.EnvelopeID != "" {
				if err := sm.Ack(*evt.Request); err != nil {
					fmt.Fprintln(stderr, "floor: ack:", err)
				}
			}
		}
	}
}
