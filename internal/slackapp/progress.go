package slackapp

import (
	"context"
	"sync"

	"github.com/slack-go/slack"

	"github.com/dbrestore/db-restore/internal/approvals"
	"github.com/dbrestore/db-restore/internal/execution"
	"github.com/dbrestore/db-restore/internal/slackview"
)

// Live progress: while a restore job runs, its request's thread holds ONE
// status message that is updated in place (chat.update), at most once per
// ProgressInterval, and a last time when the job ends. The message's ts and
// the time of its last update are kept on the request in Redis, so a
// replica that takes over following the job goes on updating the same
// message at the same pace.

// progressMessages remembers, per request, the progress message this
// replica posted, in case recording it in Redis failed.
type progressMessages struct {
	mu sync.Mutex
	ts map[string]string
}

func (m *progressMessages) get(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ts[id]
}

func (m *progressMessages) set(id, ts string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ts == nil {
		m.ts = map[string]string{}
	}
	if ts == "" {
		delete(m.ts, id)
		return
	}
	m.ts[id] = ts
}

func (a *App) progress(ctx context.Context, r approvals.Request, p execution.Progress) {
	if r.MessageTS == "" {
		return
	}
	ts := r.ProgressTS
	if ts == "" {
		ts = a.progressTS.get(r.ID)
	}
	if p.Ended {
		a.progressTS.set(r.ID, "")
		if ts != "" { // the last word on the one message; nothing after it
			a.updateProgress(ctx, r, ts, slackview.ProgressText(r, p))
		}
		return
	}
	if !r.ProgressAt.IsZero() && a.now().Sub(r.ProgressAt) < a.opt.ProgressInterval {
		return
	}
	log := a.log.With().Str("request_id", r.ID).Logger()
	text := slackview.ProgressText(r, p)
	if ts == "" {
		posted, err := a.post(ctx, "progress message", r.ID, r.Channel, 0, slack.MsgOptionText(text, false), slack.MsgOptionTS(r.MessageTS)).Wait(ctx)
		if err != nil { // logged by the outbox
			log.Warn().Err(err).Msg("could not post the progress message")
			return
		}
		ts = posted
		a.progressTS.set(r.ID, ts)
	} else if !a.updateProgress(ctx, r, ts, text) {
		return
	}
	rec, err := a.store.RecordProgress(ctx, r.ID, p.Process, ts)
	if err != nil {
		log.Info().Err(err).Msg("progress not recorded")
		return
	}
	a.homeChanged(rec)
}

// updateProgress queues the new text of the progress message (a newer
// one replaces one still waiting); false when the outbox refused it.
func (a *App) updateProgress(ctx context.Context, r approvals.Request, ts, text string) bool {
	res := a.update(ctx, "progress update", r.ID, r.Channel, ts, slack.MsgOptionText(text, false))
	select {
	case <-res.Done():
		_, err := res.Wait(ctx)
		return err == nil
	default:
		return true // queued
	}
}
