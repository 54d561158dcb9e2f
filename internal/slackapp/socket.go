package slackapp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/dbrestore/db-restore/internal/pause"
)

// queueFunc queues work in a lane and reports whether there was room.
type queueFunc func(lane, func(context.Context)) bool

// serveSocket runs the Socket Mode link and the event loop. Each envelope is
// acked before anything else happens to it; the work it asks for is queued
// first (it starts only once the ack is sent), so that a full queue can be
// acked "busy" and the loop never waits.
func (a *App) serveSocket(ctx context.Context, queue queueFunc) error {
	sm := socketmode.New(a.api, socketmode.OptionLog(zerologAdapter{a.log}))
	runErr := make(chan error, 1)
	go func() { runErr <- sm.RunContext(ctx) }()

	for {
		select {
		case <-ctx.Done():
			a.connected.Store(false)
			<-runErr
			return nil
		case err := <-runErr:
			a.connected.Store(false)
			return fatalSlackError(err)
		case err := <-a.fatal:
			a.connected.Store(false)
			return err
		case evt := <-sm.Events:
			a.onEvent(sm, evt, queue)
		}
	}
}

func (a *App) onEvent(sm *socketmode.Client, evt socketmode.Event, queue queueFunc) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.connected.Store(false)
		a.log.Debug().Msg("connecting to Slack")
	case socketmode.EventTypeConnected:
		a.log.Info().Msg("connected to Slack")
	case socketmode.EventTypeHello:
		a.connected.Store(true)
	case socketmode.EventTypeConnectionError:
		a.connected.Store(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			if refused := appTokenRefused(e.ErrorObj); refused != nil {
				// slack-go would retry this for ever: stop instead.
				select {
				case a.fatal <- refused:
				default:
				}
				return
			}
			a.log.Warn().Err(e.ErrorObj).Int("attempt", e.Attempt).Dur("backoff", e.Backoff).Msg("Slack connection failed")
		}
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed, socketmode.EventTypeErrorBadMessage:
		a.log.Warn().Str("event_type", string(evt.Type)).Msg("Socket Mode error")
	}
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return // hello and client-side events carry no envelope to ack
	}
	start := time.Now()
	payload, job := a.route(evt)
	acked := make(chan struct{})
	if job != nil {
		adm := admissionOf(evt)
		if retry, limited := a.earlyLimit(adm); limited {
			a.m.Refused("rate_limited")
			payload, job = a.overLimit(evt, adm, retry)
			adm.once = "" // the refusal is told, not admitted
		}
		if job != nil && !queue(adm.lane, a.admitted(adm, acked, job)) {
			a.m.Refused("busy")
			a.log.Warn().Str("envelope_id", evt.Request.EnvelopeID).Str("envelope_type", evt.Request.Type).Msg("work queue full; acked busy")
			payload = busyAck(evt)
		}
	}
	if err := sm.Ack(*evt.Request, payload); err != nil {
		a.log.Error().Err(err).Str("envelope_id", evt.Request.EnvelopeID).Msg("ack failed")
	}
	close(acked)
	a.m.Ack(evt.Request.Type, time.Since(start))
}

// earlyLimit refuses, without I/O, a command from someone already over the
// limit on this replica alone.
func (a *App) earlyLimit(adm admission) (time.Duration, bool) {
	if a.gate == nil || adm.count == "" {
		return 0, false
	}
	return a.gate.Early(adm.count)
}

// route decides, without any I/O, what to ack an envelope with and what work
// follows. Envelopes the bot has no use for are acked too.
func (a *App) route(evt socketmode.Event) (ack any, job func(context.Context)) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			return nil, nil
		}
		return a.routeCommand(cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			return nil, nil
		}
		return a.routeInteraction(cb)
	case socketmode.EventTypeEventsAPI:
		return a.routeEvent(evt)
	}
	return nil, nil
}

// fatalSlackError turns the error that ended the Socket Mode client into one
// that says which token is at fault and what to do.
func fatalSlackError(err error) error {
	if err == nil {
		return errors.New("slack: Socket Mode client stopped")
	}
	if refused := appTokenRefused(err); refused != nil {
		return refused
	}
	var se slack.StatusCodeError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return errors.New("slack answered 404 to apps.connections.open: check SLACK_API_URL and that Socket Mode is enabled for the app")
	}
	return fmt.Errorf("slack Socket Mode: %w", err)
}

// appTokenFixes are Slack's answers to apps.connections.open that no
// reconnect can heal, each with what the operator must do. slack-go itself
// gives up only on some of them and retries the others for ever.
var appTokenFixes = map[string]string{
	"invalid_auth":           "SLACK_APP_TOKEN is not a valid token of this app: generate an app-level token with the connections:write scope under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN to it",
	"not_authed":             "SLACK_APP_TOKEN is empty: set it to an app-level token (xapp-…) with the connections:write scope",
	"account_inactive":       "the app or its workspace is deactivated: reinstall the app, generate a new app-level token and set SLACK_APP_TOKEN",
	"token_revoked":          "SLACK_APP_TOKEN was revoked: generate a new app-level token with the connections:write scope under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN to it",
	"token_expired":          "SLACK_APP_TOKEN has expired: generate a new app-level token under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN to it",
	"missing_scope":          "SLACK_APP_TOKEN lacks the connections:write scope: generate an app-level token with connections:write under Basic Information → App-Level Tokens and set SLACK_APP_TOKEN to it",
	"not_allowed_token_type": "SLACK_APP_TOKEN is not an app-level token: set it to the app-level token (xapp-…) with connections:write, not the bot (xoxb-) or a user token",
}

// appTokenRefused returns the error that stops the bot when err is Slack
// refusing the app-level token at apps.connections.open, or nil.
func appTokenRefused(err error) error {
	if err == nil {
		return nil
	}
	code := err.Error()
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		code = se.Err
	}
	fix, ok := appTokenFixes[code]
	if !ok {
		return nil
	}
	return fmt.Errorf("slack refused SLACK_APP_TOKEN at apps.connections.open (%s): %s", code, fix)
}

// NewHTTPClient is the HTTP client for Slack's Web API. It paces
// apps.connections.open: slack-go reconnects at once, with no backoff, after
// every `disconnect` or dropped link, so a link that Slack keeps refusing or
// closing (link_disabled, too_many_websockets) would otherwise become a storm
// of reconnects. A link that lived a minute resets the pace.
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &openPacer{next: http.DefaultTransport, min: time.Second, max: 5 * time.Minute, healthy: time.Minute}}
}

type openPacer struct {
	next              http.RoundTripper
	min, max, healthy time.Duration
	mu                sync.Mutex
	last              time.Time
	delay             time.Duration
}

func (p *openPacer) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/apps.connections.open") {
		if err := p.wait(r.Context()); err != nil {
			return nil, err
		}
	}
	return p.next.RoundTrip(r)
}

func (p *openPacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	var sleep time.Duration
	switch {
	case p.last.IsZero() || now.Sub(p.last) >= p.healthy:
		p.delay = 0
	case p.delay == 0:
		p.delay = p.min
	default:
		p.delay = min(2*p.delay, p.max)
	}
	if p.delay > 0 {
		// full jitter in [delay/2, delay): replicas that lost their links
		// together do not come back together
		sleep = p.delay/2 + rand.N(p.delay/2+1)
	}
	p.last = now.Add(sleep)
	p.mu.Unlock()
	return pause.For(ctx, sleep)
}

// slackFailed counts a failed Web API call and, when Slack says the bot
// token itself is unusable (revoked, or missing a scope the app needs),
// stops the bot with a message saying what to do: such errors do not heal.
func (a *App) slackFailed(method string, err error) {
	a.m.APIError("slack", method)
	msg := err.Error()
	for _, code := range []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "missing_scope", "not_allowed_token_type"} {
		if !strings.Contains(msg, code) {
			continue
		}
		fix := "install the app again and set SLACK_BOT_TOKEN to its Bot User OAuth Token"
		if code == "missing_scope" {
			fix = "add the scopes in manifest.yml to the app (OAuth & Permissions), reinstall it, and set SLACK_BOT_TOKEN to the new token"
		}
		select {
		case a.fatal <- fmt.Errorf("slack rejected SLACK_BOT_TOKEN on %s (%s): %s", method, code, fix):
		default:
		}
		return
	}
}
