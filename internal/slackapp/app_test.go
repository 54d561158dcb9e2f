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
	"github.com/dbrestore/db-restore/internal/intake"
	"github.com/dbrestore/db-restore/internal/policy"
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
// fills it from the loaded configuration, and builds intake as botrun does:
// one rule (approver UAPP0001), v checking requests against the cloud.
func withDefaults(t testing.TB, o Options, v intake.Validator, dryRun bool) Options {
	d := config.Defaults()
	if o.Executor == nil {
		o.Executor = idleExecutor{t}
	}
	if o.People == nil {
		o.People = NewPeople(o.API, o.Now)
	}
	if o.Intake == nil {
		in, err := intake.New(intake.Options{
			Log: o.Log, Store: o.Store, Policy: policy.FromEnv([]string{"UAPP0001"}, nil, o.ApprovalChannel, o.IncidentChannel),
			Validator: v, People: o.People, Zones: o.People, Now: o.Now, Admins: o.Admins, DryRun: dryRun,
			ApprovalChannel: o.ApprovalChannel, IncidentChannel: o.IncidentChannel,
			RequestTTL: d.RequestTTL, PolicyHeartbeat: d.PolicyHeartbeat,
		})
		if err != nil {
			t.Fatal(err)
		}
		o.Intake = in
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
	setD(&o.RemindAfter, d.RemindAfter)
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
		Now: time.Now,
	}, refusingValidator{}, false)
	if _, err := New(full); err != nil {
		t.Fatalf("New with every setting: %v", err)
	}
	for name, unset := range map[string]func(*Options){
		"Workers":          func(o *Options) { o.Workers = 0 },
		"HomeRate":         func(o *Options) { o.HomeRate = 0 },
		"ProgressInterval": func(o *Options) { o.ProgressInterval = 0 },
		"RemindAfter":      func(o *Options) { o.RemindAfter = 0 },
		"intake":           func(o *Options) { o.Intake = nil },
		"executor":         func(o *Options) { o.Executor = nil },
	} {
		o := full
		unset(&o)
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("New without %s: %v, want an error naming it", name, err)
		}
	}
}
