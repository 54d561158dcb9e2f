package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

const (
	testBotToken = "xoxb-test-bot"
	testAppToken = "xapp-test-app"
)

func newFake(t *testing.T, o slacktest.Options) *slacktest.Server {
	t.Helper()
	o.BotToken, o.AppToken = testBotToken, testAppToken
	return slacktest.New(t, o)
}

func newAPI(fake *slacktest.Server) *slack.Client {
	return slack.New(testBotToken, slack.OptionAppLevelToken(testAppToken), slack.OptionAPIURL(fake.APIURL()))
}

// testCtx is a context that ends with the test, or after 20 s.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startBot runs a slack-go Socket Mode client against the fake until the
// test ends; handle sees every event, one at a time.
func startBot(t *testing.T, fake *slacktest.Server, handle func(*socketmode.Client, socketmode.Event)) *socketmode.Client {
	t.Helper()
	client := socketmode.New(newAPI(fake), socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = client.RunContext(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-client.Events:
				handle(client, evt)
			}
		}
	})
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return client
}

// ackAll acks every envelope empty.
func ackAll(c *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil && evt.Request.EnvelopeID != "" {
		_ = c.Ack(*evt.Request)
	}
}

// fakeClock is a settable clock for trigger and response_url expiry.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rawDial opens a Socket Mode websocket by hand and returns it after the
// hello, for tests of frames slack-go will not send.
func rawDial(t *testing.T, fake *slacktest.Server) *websocket.Conn {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fake.APIURL()+"apps.connections.open", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAppToken)
	// No keep-alive: the leak test counts goroutines.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	defer resp.Body.Close()
	var open struct {
		OK  bool   `json:"ok"`
		URL string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&open); err != nil || !open.OK {
		t.Fatalf("apps.connections.open: ok=%v err=%v", open.OK, err)
	}
	if !strings.HasPrefix(open.URL, "ws://127.0.0.1:") {
		t.Fatalf("url = %q, want ws://127.0.0.1:…", open.URL)
	}
	ws, _, err := websocket.DefaultDialer.Dial(open.URL, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	var hello map[string]any
	if err := ws.ReadJSON(&hello); err != nil {
		t.Fatalf("read hello: %v", err)
	}
	if hello["type"] != "hello" {
		t.Fatalf("first frame = %v, want hello", hello)
	}
	return ws
}

// readEnvelope reads the next envelope frame from a raw connection.
func readEnvelope(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var env map[string]any
	if err := ws.ReadJSON(&env); err != nil {
		t.Fatalf("read envelope: %v", err)
	}
	return env
}

func wantNoViolations(t *testing.T, fake *slacktest.Server) {
	t.Helper()
	if v := fake.Violations(); len(v) > 0 {
		t.Errorf("violations: %q", v)
	}
}

func wantViolation(t *testing.T, fake *slacktest.Server, substr string) {
	t.Helper()
	for _, v := range fake.Violations() {
		if strings.Contains(v, substr) {
			return
		}
	}
	t.Errorf("violations %q: none contains %q", fake.Violations(), substr)
}

// slackErr is the Slack error code in err, or its text.
func slackErr(err error) string {
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		return se.Err
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
