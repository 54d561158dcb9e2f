package outbox_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/outbox"
	"github.com/dbrestore/db-restore/internal/redistest"
	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// Many goroutines calling one method over its rate: with slack-go's retry
// alone, the others keep calling while one waits out its 429 (violations);
// with the hold, nobody calls before the Retry-After has passed.
func TestHoldKeepsEveryGoroutineOutOfARetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name string
		hold bool
	}{{"retry only", false}, {"retry and hold", true}} {
		t.Run(tc.name, func(t *testing.T) {
			fake := slacktest.New(t, slacktest.Options{BotToken: "xoxb-t"})
			fake.SetUserGroup("S1", "U1")
			fake.SetRateLimit("usergroups.users.list", slacktest.Limit{N: 2, Window: time.Second})
			var hc interface {
				Do(*http.Request) (*http.Response, error)
			} = &http.Client{Timeout: 10 * time.Second}
			if tc.hold {
				hc = outbox.NewHoldingClient(hc, nil, nil)
			}
			api := slack.New("xoxb-t", slack.OptionAPIURL(fake.APIURL()), slack.OptionHTTPClient(hc),
				slack.OptionRetryConfig(slack.RetryConfig{MaxRetries: 5, RetryAfterDuration: time.Second}))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					for range 2 {
						if _, err := api.GetUserGroupMembersContext(ctx, "S1"); err != nil {
							t.Error(err)
						}
						time.Sleep(150 * time.Millisecond)
					}
				})
			}
			wg.Wait()
			v := fake.Violations()
			if tc.hold && len(v) != 0 {
				t.Errorf("violations with the hold: %q", v)
			}
			if !tc.hold && len(v) == 0 {
				t.Errorf("no violations without the hold: the test does not show what the hold is for")
			}
			if len(fake.Limited("usergroups.users.list")) == 0 {
				t.Error("the rate was never reached")
			}
		})
	}
}

// Two replicas over one Redis: a Retry-After one of them was given holds
// the other too (Slack's limits are per app, not per process).
func TestHoldIsSharedByReplicas(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			rdb, prefix := redistest.New(t)
			fake := slacktest.New(t, slacktest.Options{BotToken: "xoxb-t"})
			fake.SetChannelRate(slacktest.Limit{N: 1, Window: 2 * time.Second})
			replica := func() *slack.Client {
				var holds outbox.SharedHolds
				if shared {
					holds = outbox.NewRedisHolds(rdb, prefix)
				}
				hc := outbox.NewHoldingClient(&http.Client{Timeout: 10 * time.Second}, nil, holds)
				return slack.New("xoxb-t", slack.OptionAPIURL(fake.APIURL()), slack.OptionHTTPClient(hc),
					slack.OptionRetryConfig(slack.RetryConfig{MaxRetries: 5, RetryAfterDuration: time.Second}))
			}
			a, b := replica(), replica()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			post := func(api *slack.Client) {
				if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
					t.Error(err)
				}
			}
			post(a)
			var wg sync.WaitGroup
			wg.Go(func() { post(a) }) // 429, Retry-After 2: a waits it out
			time.Sleep(200 * time.Millisecond)
			post(b) // while a waits
			wg.Wait()
			v := fake.Violations()
			if shared && len(v) != 0 {
				t.Errorf("violations with shared holds: %q", v)
			}
			if !shared && len(v) == 0 {
				t.Error("no violation without shared holds: the test does not show what sharing is for")
			}
			if n := len(fake.Messages("C1")); n != 3 {
				t.Errorf("%d messages, want 3", n)
			}
		})
	}
}
