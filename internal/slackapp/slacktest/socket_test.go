package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

func TestSlashCommandAckWithPayload(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	if err := fake.AddUser(slacktest.User{ID: "U1", Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	got := make(chan slack.SlashCommand, 1)
	startBot(t, fake, func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			got <- evt.Data.(slack.SlashCommand)
			_ = c.Ack(*evt.Request, map[string]any{"text": "working on it"})
		}
	})
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	ack, err := fake.SlashCommand(ctx, slacktest.Slash{UserID: "U1", ChannelID: "C1", Text: "restore db1"})
	if err != nil {
		t.Fatalf("SlashCommand: %v", err)
	}
	var payload struct{ Text string }
	if err := json.Unmarshal(ack.Payload, &payload); err != nil || payload.Text != "working on it" {
		t.Errorf("ack payload = %s (%v), want text working on it", ack.Payload, err)
	}
	if ack.Latency <= 0 || ack.Latency >= 3*time.Second || ack.Type != "slash_commands" || ack.Late {
		t.Errorf("ack = %+v, want a timely slash_commands ack with latency > 0", ack)
	}

	cmd := <-got
	if cmd.Command != "/db-restore" || cmd.UserID != "U1" || cmd.UserName != "alice" || cmd.ChannelID != "C1" ||
		cmd.Text != "restore db1" || cmd.TeamID != "T0FAKETEAM" || cmd.TriggerID == "" ||
		!strings.HasPrefix(cmd.ResponseURL, "http://127.0.0.1:") {
		t.Errorf("slash command = %+v", cmd)
	}
	eph := fake.Ephemerals("U1")
	if len(eph) != 1 || eph[0].Text != "working on it" || eph[0].Via != "ack" || eph[0].Channel != "C1" {
		t.Errorf("ephemerals = %+v, want the ack text shown to U1 in C1", eph)
	}
	wantNoViolations(t, fake)
}

func TestAckTimeoutAndLateAck(t *testing.T) {
	fake := newFake(t, slacktest.Options{AckTimeout: 100 * time.Millisecond})
	held := make(chan socketmode.Request, 1)
	client := startBot(t, fake, func(_ *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			held <- *evt.Request // ack only when the test says so
		}
	})
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	_, err := fake.SlashCommand(ctx, slacktest.Slash{UserID: "U1", ChannelID: "C1"})
	if !errors.Is(err, slacktest.ErrAckTimeout) {
		t.Fatalf("SlashCommand error = %v, want ErrAckTimeout", err)
	}
	wantViolation(t, fake, "not acknowledged within 100ms")
	if n := len(fake.Unacked()); n != 1 {
		t.Errorf("unacked = %d, want 1", n)
	}

	_ = client.Ack(<-held)
	if err := fake.WaitFor(ctx, func() bool { return len(fake.Acks()) == 1 }); err != nil {
		t.Fatal(err)
	}
	if a := fake.Acks()[0]; !a.Late || a.Latency < 100*time.Millisecond {
		t.Errorf("ack = %+v, want late with latency >= 100ms", a)
	}
}

func TestRawProtocolHelloEnvelopeAndPing(t *testing.T) {
	fake := newFake(t, slacktest.Options{PingInterval: 20 * time.Millisecond})
	ws := rawDial(t, fake)
	pinged := make(chan struct{}, 1)
	ws.SetPingHandler(func(string) error {
		select {
		case pinged <- struct{}{}:
		default:
		}
		return nil
	})

	res := make(chan error, 1)
	go func() {
		_, err := fake.SlashCommand(context.Background(), slacktest.Slash{UserID: "U1", ChannelID: "C1"})
		res <- err
	}()
	env := readEnvelope(t, ws) // reading also runs the ping handler
	payload, _ := env["payload"].(map[string]any)
	if env["type"] != "slash_commands" || env["accepts_response_payload"] != true || env["envelope_id"] == "" ||
		payload["is_enterprise_install"] != "false" || payload["command"] != "/db-restore" {
		t.Errorf("envelope = %v", env)
	}
	if err := ws.WriteJSON(map[string]any{"envelope_id": env["envelope_id"]}); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil {
		t.Errorf("SlashCommand: %v", err)
	}

	// Keep reading so control frames are processed until a ping arrives.
	go func() {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case <-pinged:
	case <-time.After(5 * time.Second):
		t.Error("no ping within 5s")
	}
	wantNoViolations(t, fake)
}

func TestAckProtocolViolations(t *testing.T) {
	tests := []struct {
		name    string
		ack     func(id string) []map[string]any
		wantErr error
		want    string
	}{
		{
			name: "oversized ack frame is dropped",
			ack: func(id string) []map[string]any {
				return []map[string]any{{"envelope_id": id, "payload": map[string]any{"text": strings.Repeat("x", 21000)}}}
			},
			wantErr: slacktest.ErrAckDropped,
			want:    "dropped",
		},
		{
			name: "duplicate ack",
			ack: func(id string) []map[string]any {
				return []map[string]any{{"envelope_id": id}, {"envelope_id": id}}
			},
			want: "acknowledged twice",
		},
		{
			name: "ack of an unknown envelope",
			ack: func(id string) []map[string]any {
				return []map[string]any{{"envelope_id": id}, {"envelope_id": "nope"}}
			},
			want: "unknown envelope nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, slacktest.Options{})
			ws := rawDial(t, fake)
			res := make(chan error, 1)
			go func() {
				_, err := fake.SlashCommand(context.Background(), slacktest.Slash{UserID: "U1", ChannelID: "C1"})
				res <- err
			}()
			env := readEnvelope(t, ws)
			for _, frame := range tt.ack(env["envelope_id"].(string)) {
				if err := ws.WriteJSON(frame); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-res; !errors.Is(err, tt.wantErr) {
				t.Errorf("SlashCommand error = %v, want %v", err, tt.wantErr)
			}
			ctx := testCtx(t)
			err := fake.WaitFor(ctx, func() bool {
				for _, v := range fake.Violations() {
					if strings.Contains(v, tt.want) {
						return true
					}
				}
				return false
			})
			if err != nil {
				t.Errorf("violations %q: none contains %q", fake.Violations(), tt.want)
			}
		})
	}
}

func TestNoConnectionIsDispatchFailed(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	_, err := fake.SlashCommand(testCtx(t), slacktest.Slash{UserID: "U1", ChannelID: "C1"})
	if !errors.Is(err, slacktest.ErrNoConnection) {
		t.Fatalf("error = %v, want ErrNoConnection", err)
	}
	wantViolation(t, fake, "dispatch_failed")
}

func TestEnvelopesRoundRobinOverTwoClients(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	var got [2]atomic.Int32
	for i := range got {
		startBot(t, fake, func(c *socketmode.Client, evt socketmode.Event) {
			if evt.Type == socketmode.EventTypeSlashCommand {
				got[i].Add(1)
			}
			ackAll(c, evt)
		})
	}
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	conns := map[int]int{}
	for range 10 {
		ack, err := fake.SlashCommand(ctx, slacktest.Slash{UserID: "U1", ChannelID: "C1"})
		if err != nil {
			t.Fatalf("SlashCommand: %v", err)
		}
		conns[ack.Conn]++
	}
	if got[0].Load() != 5 || got[1].Load() != 5 || len(conns) != 2 {
		t.Errorf("client 1 got %d, client 2 got %d, by connection %v; want 5 and 5 over 2 connections",
			got[0].Load(), got[1].Load(), conns)
	}
	wantNoViolations(t, fake)
}

func TestDisconnectMakesClientReconnect(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	startBot(t, fake, ackAll)
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fake.Disconnect("refresh_requested")
	if err := fake.WaitFor(ctx, func() bool { return fake.OpenCalls() == 2 && fake.Connections() == 1 }); err != nil {
		t.Fatalf("opens = %d, connections = %d: %v", fake.OpenCalls(), fake.Connections(), err)
	}
	ack, err := fake.SlashCommand(ctx, slacktest.Slash{UserID: "U1", ChannelID: "C1"})
	if err != nil || ack.Conn != 2 {
		t.Errorf("SlashCommand after reconnect: conn %d, %v; want it on the new connection 2", ack.Conn, err)
	}
	wantNoViolations(t, fake)
}

func TestRejectConnectionsCausesReconnectStorm(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	fake.RejectConnections("too_many_websockets")
	startBot(t, fake, ackAll)
	ctx := testCtx(t)
	// slack-go reconnects at once after a disconnect, without backoff.
	if err := fake.WaitFor(ctx, func() bool { return fake.OpenCalls() >= 30 }); err != nil {
		t.Fatalf("opens = %d: %v", fake.OpenCalls(), err)
	}
	if n := fake.Connections(); n != 0 {
		t.Errorf("connections while rejecting = %d, want 0", n)
	}
	fake.RejectConnections("")
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func TestWrongAppTokenIsFatalForSocketMode(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	api := slack.New(testBotToken, slack.OptionAppLevelToken("xapp-wrong"), slack.OptionAPIURL(fake.APIURL()))
	err := socketmode.New(api).RunContext(testCtx(t))
	if err == nil || err.Error() != "invalid_auth" {
		t.Errorf("RunContext error = %v, want invalid_auth", err)
	}
	if n := fake.OpenCalls(); n != 1 {
		t.Errorf("open calls = %d, want 1", n)
	}
}

func TestSendNoWaitBurst(t *testing.T) {
	fake := newFake(t, slacktest.Options{})
	startBot(t, fake, ackAll)
	ctx := testCtx(t)
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for range n {
		if _, err := fake.SendNoWait(slacktest.EnvelopeSlashCommands, fake.SlashPayload(slacktest.Slash{UserID: "U1", ChannelID: "C1"})); err != nil {
			t.Fatal(err)
		}
	}
	if err := fake.WaitFor(ctx, func() bool { return len(fake.Acks()) == n }); err != nil {
		t.Fatalf("acks = %d of %d: %v", len(fake.Acks()), n, err)
	}
	for _, a := range fake.Acks() {
		if a.Latency <= 0 || a.Late {
			t.Errorf("ack %+v: want a timely positive latency", a)
		}
	}
	if u := fake.Unacked(); len(u) != 0 {
		t.Errorf("unacked = %v", u)
	}
	wantNoViolations(t, fake)
}

func TestCloseEndsConnectionsAndLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	fake, err := slacktest.NewServer(slacktest.Options{BotToken: testBotToken, AppToken: testAppToken, PingInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ws := rawDial(t, fake)
	fake.Close()
	fake.Close() // idempotent
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := ws.ReadMessage()
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			t.Fatalf("connection still open 5s after Close")
		}
		if err != nil {
			break
		}
	}
	_ = ws.Close()
	if _, err := fake.SendNoWait(slacktest.EnvelopeSlashCommands, map[string]any{}); !errors.Is(err, slacktest.ErrClosed) {
		t.Errorf("send after Close = %v, want ErrClosed", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before, %d after Close", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline; nothing to wait on
	}
}
