package slackapp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/config"
	"github.com/dbrestore/db-restore/internal/redistest"
)

// idleExecutor is an Executor for tests that approve nothing.
type idleExecutor struct{ t testing.TB }

func (e idleExecutor) Execute(context.Context, approvals.Request) {
	e.t.Error("Execute called in a test that approves nothing")
}

func (e idleExecutor) AwaitConfirmation(context.Context, approvals.Request) {
	e.t.Error("AwaitConfirmation called in a test that approves nothing")
}

func (e idleExecutor) Queued(context.Context, approvals.Request) {
	e.t.Error("Queued called in a test that approves nothing")
}

// withDefaults fills what o leaves unset from config.Defaults, as botrun
// fills it from the loaded configuration.
func withDefaults(t testing.TB, o Options) Options {
	d := config.Defaults()
	if o.Executor == nil {
		o.Executor = idleExecutor{t}
	}
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setD(&o.RequestTTL, d.RequestTTL)
	setD(&o.RemindAfter, d.RemindAfter)
	setD(&o.PolicyHeartbeat, d.PolicyHeartbeat)
	setD(&o.HomeInterval, d.HomeInterval)
	setD(&o.HomeRateWindow, d.HomeRateWindow)
	setD(&o.ProgressInterval, d.ProgressInterval)
	set(&o.Workers, d.Workers)
	set(&o.DecisionWorkers, d.DecisionWorkers)
	set(&o.DecisionQueue, d.DecisionQueue)
	set(&o.WorkQueue, d.WorkQueue)
	set(&o.HomeRate, d.HomeRate)
	return o
}

// TestNewRequiresItsSettings: New sets no default (config has them), and
// names what is missing.
func TestNewRequiresItsSettings(t *testing.T) {
	rdb, prefix := redistest.New(t)
	full := withDefaults(t, Options{
		Log: zerolog.Nop(), API: slack.New("xoxb-fake-bot-token"), Store: approvals.NewStore(rdb, prefix, time.Now),
		Validator: refusingValidator{}, Approvers: []string{"UAPP0001"}, Now: time.Now,
	})
	if _, err := New(full); err != nil {
		t.Fatalf("New with every setting: %v", err)
	}
	for name, unset := range map[string]func(*Options){
		"Workers":          func(o *Options) { o.Workers = 0 },
		"HomeRate":         func(o *Options) { o.HomeRate = 0 },
		"ProgressInterval": func(o *Options) { o.ProgressInterval = 0 },
		"RequestTTL":       func(o *Options) { o.RequestTTL = 0 },
		"executor":         func(o *Options) { o.Executor = nil },
	} {
		o := full
		unset(&o)
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}
