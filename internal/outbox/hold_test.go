package outbox_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/outbox"
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
				hc = outbox.NewHoldingClient(hc, nil)
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
