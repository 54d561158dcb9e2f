package slackapp

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/outbox"
)

// Sending through the outbox: every message of a request's life goes to
// its channel's lane, in order, paced to Slack's per-channel rate and
// retried until sent or the bot stops; updates of one message go to that
// message's lane (a newer version replaces one still waiting), so a redraw
// does not wait behind a channel's backlog of new messages.

// approvalGiveUp bounds how long transient failures of the approval
// message are retried (from its first attempt) before the request is
// withdrawn: nobody can approve what nobody sees.
const approvalGiveUp = 2 * time.Minute

// drainBound is how long a stopping bot goes on sending what is queued,
// within the 20 s a SIGTERM allows.
const drainBound = 10 * time.Second

// newOutbox paces new messages at interval (0: unpaced).
func newOutbox(a *App, interval time.Duration) *outbox.Outbox {
	if interval <= 0 {
		interval = -1
	}
	return outbox.New(outbox.Options{Log: a.log, Interval: interval, Failed: a.slackFailed})
}

// DrainMessages sends what is queued until the drain bound that began
// when Run's context ended (or from now, when Run never stopped), then
// stops the outbox: what is left ends unsent, logged. Call it once, after
// everything that reports (the executor) has finished.
func (a *App) DrainMessages() {
	until := time.Now().Add(drainBound)
	if t, ok := a.sendUntil.Load().(time.Time); ok {
		until = t
	}
	ctx, cancel := context.WithDeadline(context.Background(), until)
	defer cancel()
	a.out.Close(ctx)
}

// stopSendingLater starts the drain bound: from now on the outbox sends
// for at most drainBound, so work waiting on a message (an approval
// message) is told it will not be sent and shutdown stays bounded.
func (a *App) stopSendingLater() {
	a.sendUntil.Store(time.Now().Add(drainBound))
	time.AfterFunc(drainBound, a.out.Stop)
}

// post queues a new message in channel; the Result has its ts.
func (a *App) post(ctx context.Context, what, requestID, channel string, giveUp time.Duration, opts ...slack.MsgOption) *outbox.Result {
	return a.out.Send(ctx, outbox.Message{
		Lane: channel, What: what, Method: "chat.postMessage", Fields: requestField(requestID),
		Paced: true, GiveUpAfter: giveUp,
		Send: func(ctx context.Context) (string, error) {
			_, ts, err := a.api.PostMessageContext(ctx, channel, opts...)
			return ts, err
		},
	})
}

// update queues a new version of the message ts in channel.
func (a *App) update(ctx context.Context, what, requestID, channel, ts string, opts ...slack.MsgOption) *outbox.Result {
	lane := channel + "/" + ts
	return a.out.Send(ctx, outbox.Message{
		Lane: lane, Replace: lane, What: what, Method: "chat.update", Fields: requestField(requestID),
		Send: func(ctx context.Context) (string, error) {
			_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, opts...)
			return ts, err
		},
	})
}

// sendDM queues a direct message to a person: their DM channel is opened
// (once per person; conversations.open is Tier 3) in the sender.
func (a *App) sendDM(ctx context.Context, userID string, opts ...slack.MsgOption) *outbox.Result {
	return a.out.Send(ctx, outbox.Message{
		Lane: "dm:" + userID, What: "direct message", Method: "chat.postMessage", Fields: map[string]string{"user_id": userID},
		Paced: true,
		Send: func(ctx context.Context) (string, error) {
			ch, err := a.dms.open(ctx, a, userID)
			if err != nil {
				return "", err
			}
			_, ts, err := a.api.PostMessageContext(ctx, ch, opts...)
			return ts, err
		},
	})
}

func requestField(id string) map[string]string {
	if id == "" {
		return nil
	}
	return map[string]string{"request_id": id}
}

// dmChannels remembers the DM channel opened for each person.
type dmChannels struct {
	mu sync.Mutex
	ch map[string]string
}

// maxDMChannels bounds the memory: past it the map starts again.
const maxDMChannels = 10000

func (d *dmChannels) open(ctx context.Context, a *App, userID string) (string, error) {
	d.mu.Lock()
	ch, ok := d.ch[userID]
	d.mu.Unlock()
	if ok {
		return ch, nil
	}
	c, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{userID}})
	if err != nil {
		return "", err // counted and logged by the outbox, with the message
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ch == nil || len(d.ch) >= maxDMChannels {
		d.ch = map[string]string{}
	}
	d.ch[userID] = c.ID
	return c.ID, nil
}
