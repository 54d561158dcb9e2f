package slacktest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func post(t *testing.T, api *slack.Client, channel string) error {
	t.Helper()
	_, _, err := api.PostMessageContext(testCtx(t), channel, slack.MsgOptionText("hello", false))
	return err
}

func TestChannelRateAllowsABurstThenOneASecond(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api := newAPI(fake)
	for i := range slacktest.ChannelRate.N {
		if err := post(t, api, "C1"); err != nil {
			t.Fatalf("post %d of the burst: %v", i, err)
		}
	}
	err := post(t, api, "C1")
	rl, ok := errors.AsType[*slack.RateLimitedError](err)
	if !ok || rl.RetryAfter < time.Second || rl.RetryAfter > slacktest.ChannelRate.Window {
		t.Fatalf("post after the burst: %v, want a 429 with Retry-After of 1-3s", err)
	}
	if err := post(t, api, "C2"); err != nil {
		t.Errorf("another channel is limited too: %v", err)
	}
	if c := fake.Limited("chat.postMessage"); len(c) != 1 || c[0].Status != http.StatusTooManyRequests || c[0].Error != "ratelimited" {
		t.Errorf("limited calls = %+v, want one 429", c)
	}
	if v := fake.Violations(); len(v) != 0 {
		t.Errorf("a 429 alone is a violation: %q", v)
	}
	if n := len(fake.Messages("C1")); n != slacktest.ChannelRate.N {
		t.Errorf("%d messages in C1, want %d (the limited one is not posted)", n, slacktest.ChannelRate.N)
	}
}

func TestCallBeforeRetryAfterIsAViolation(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	fake.SetChannelRate(slacktest.Limit{N: 1, Window: time.Second})
	api := newAPI(fake)
	if err := post(t, api, "C1"); err != nil {
		t.Fatal(err)
	}
	if err := post(t, api, "C1"); err == nil {
		t.Fatal("second post within the second accepted")
	}
	time.Sleep(100 * time.Millisecond)
	if err := post(t, api, "C1"); err == nil {
		t.Fatal("third post within the second accepted")
	}
	v := fake.Violations()
	if len(v) != 1 || !strings.Contains(v[0], "chat.postMessage") || !strings.Contains(v[0], "channel C1") {
		t.Fatalf("violations = %q, want one for the call before Retry-After", v)
	}
	time.Sleep(time.Second) // the Retry-After (1 s) has passed
	if err := post(t, api, "C1"); err != nil {
		t.Errorf("post after Retry-After: %v", err)
	}
	if n := len(fake.Violations()); n != 1 {
		t.Errorf("%d violations after waiting out Retry-After, want still 1", n)
	}
}

func TestSlackGoRetryHonoursRetryAfter(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	fake.SetChannelRate(slacktest.Limit{N: 1, Window: time.Second})
	api := slack.New(testBotToken, slack.OptionAPIURL(fake.APIURL()), slack.OptionRetry(2))
	start := time.Now()
	for i := range 3 {
		if err := post(t, api, "C1"); err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("3 posts at 1 a second took %v", took)
	}
	if len(fake.Limited("chat.postMessage")) == 0 || len(fake.Violations()) != 0 {
		t.Errorf("limited %d, violations %q: want 429s and no violation", len(fake.Limited("chat.postMessage")), fake.Violations())
	}
}

func TestTierLimitAndNoRateLimits(t *testing.T) {
	for _, off := range []bool{false, true} {
		fake := newFake(t, slacktest.Options{NoRateLimits: off})
		fake.SetUserGroup("S1", "U1")
		api := newAPI(fake)
		var limited int
		for range slacktest.Tier2.N + 1 {
			if _, err := api.GetUserGroupMembersContext(testCtx(t), "S1"); err != nil {
				if _, ok := errors.AsType[*slack.RateLimitedError](err); !ok {
					t.Fatal(err)
				}
				limited++
			}
		}
		if want := map[bool]int{false: 1, true: 0}[off]; limited != want {
			t.Errorf("NoRateLimits %v: %d of %d usergroups.users.list calls limited, want %d", off, limited, slacktest.Tier2.N+1, want)
		}
	}
}
