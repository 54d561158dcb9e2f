package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Socket Mode envelope types.
const (
	EnvelopeSlashCommands = "slash_commands"
	EnvelopeInteractive   = "interactive"
	EnvelopeEventsAPI     = "events_api"
)

// Ack is the bot's acknowledgement of one envelope.
type Ack struct {
	EnvelopeID string
	Type       string          // the envelope's type, e.g. "slash_commands"
	Payload    json.RawMessage // the ack's payload; nil for an empty ack
	// Latency runs from just before the envelope frame was written to just
	// after the ack frame was read.
	Latency time.Duration
	Conn    int  // the connection (numbered from 1 in dial order) the envelope went to
	Late    bool // arrived after Options.AckTimeout: Slack had already given up
}

type outcome struct {
	ack Ack
	err error
}

type pending struct {
	id, envType string
	meta        payloadMeta
	conn        int
	sentAt      time.Time
	timer       *time.Timer
	timedOut    bool
	done        chan outcome // buffered 1: the first outcome wins
}

func (p *pending) resolve(o outcome) {
	select {
	case p.done <- o:
	default:
	}
}

// payloadMeta is what the fake needs to know about an envelope to act on
// its ack.
type payloadMeta struct {
	kind    string // "slash_commands", or the interactive type (block_actions, view_submission, …)
	user    string
	channel string
	viewID  string
}

func parseMeta(envType string, payload json.RawMessage) payloadMeta {
	if envType == EnvelopeSlashCommands {
		var p struct {
			UserID    string `json:"user_id"`
			ChannelID string `json:"channel_id"`
		}
		_ = json.Unmarshal(payload, &p)
		return payloadMeta{kind: envType, user: p.UserID, channel: p.ChannelID}
	}
	if envType != EnvelopeInteractive {
		return payloadMeta{kind: envType}
	}
	var p struct {
		Type string `json:"type"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		View struct {
			ID string `json:"id"`
		} `json:"view"`
	}
	_ = json.Unmarshal(payload, &p)
	return payloadMeta{kind: p.Type, user: p.User.ID, viewID: p.View.ID}
}

// Send writes one envelope to the next connection (round robin, as Slack
// spreads envelopes over an app's connections) and waits for its ack.
// payload is a json.RawMessage or anything json.Marshal accepts. It fails with
// ErrAckTimeout after Options.AckTimeout, ErrAckDropped for an oversized ack
// and ErrNoConnection when no connection is open.
func (s *Server) Send(ctx context.Context, envelopeType string, payload any) (Ack, error) {
	p, err := s.send(envelopeType, payload)
	if err != nil {
		return Ack{}, err
	}
	select {
	case o := <-p.done:
		return o.ack, o.err
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("wait for ack of %s: %w", p.id, ctx.Err())
	}
}

// SendNoWait writes one envelope and returns its envelope_id without waiting;
// the ack shows up in Acks, a missing ack in Unacked and Violations. For
// load tests.
func (s *Server) SendNoWait(envelopeType string, payload any) (string, error) {
	p, err := s.send(envelopeType, payload)
	if err != nil {
		return "", err
	}
	return p.id, nil
}

// Acks returns every ack received so far, in arrival order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.sock.acks...)
}

// Unacked returns the envelope_ids sent but not acknowledged (yet), sorted.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.sock.pending))
	for id := range s.sock.pending {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Redeliver writes an envelope again with the payload of one sent before,
// as Slack does when it saw no ack in time: a new envelope_id, with
// retry_attempt (1, 2, …) and retry_reason (e.g. "timeout") set. It waits
// for the ack like Send.
func (s *Server) Redeliver(ctx context.Context, envelopeType string, payload any, attempt int, reason string) (Ack, error) {
	p, err := s.sendAttempt(envelopeType, payload, attempt, reason)
	if err != nil {
		return Ack{}, err
	}
	select {
	case o := <-p.done:
		return o.ack, o.err
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("wait for ack of %s: %w", p.id, ctx.Err())
	}
}

func (s *Server) send(envType string, payload any) (*pending, error) {
	return s.sendAttempt(envType, payload, 0, "")
}

func (s *Server) sendAttempt(envType string, payload any, attempt int, reason string) (*pending, error) {
	raw, err := toRaw(payload)
	if err != nil {
		return nil, err
	}
	meta := parseMeta(envType, raw)
	id := newUUID()
	frame := map[string]any{
		"envelope_id": id, "type": envType, "payload": raw,
		"accepts_response_payload": envType == EnvelopeSlashCommands ||
			meta.kind == "view_submission" || meta.kind == "block_suggestion",
	}
	if envType == EnvelopeEventsAPI || attempt > 0 {
		frame["retry_attempt"], frame["retry_reason"] = attempt, reason
	}
	b, err := json.Marshal(frame)
	if err != nil {
		return nil, fmt.Errorf("encode envelope: %w", err)
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if len(s.sock.conns) == 0 {
		s.violateLocked("%s envelope (%s) not delivered: no socket mode connection (dispatch_failed)", envType, meta.kind)
		s.mu.Unlock()
		return nil, ErrNoConnection
	}
	c := s.sock.conns[s.sock.rr%len(s.sock.conns)]
	s.sock.rr++
	p := &pending{id: id, envType: envType, meta: meta, conn: c.id, done: make(chan outcome, 1)}
	s.sock.pending[id] = p
	s.mu.Unlock()

	err = c.writeRaw(b, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		p.sentAt = time.Now()
		if !s.closed {
			p.timer = time.AfterFunc(s.opts.AckTimeout, func() { s.ackTimedOut(id) })
		}
	})
	if err != nil {
		s.mu.Lock()
		delete(s.sock.pending, id)
		if p.timer != nil {
			p.timer.Stop()
		}
		s.mu.Unlock()
		return nil, fmt.Errorf("write envelope to connection %d: %w", c.id, err)
	}
	return p, nil
}

func toRaw(payload any) (json.RawMessage, error) {
	switch p := payload.(type) {
	case json.RawMessage:
		return p, nil
	case []byte:
		return p, nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return b, nil
}

func (s *Server) ackTimedOut(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.sock.pending[id]
	if p == nil || s.closed {
		return
	}
	p.timedOut = true
	s.violateLocked("envelope %s (%s) not acknowledged within %v", id, p.meta.kind, s.opts.AckTimeout)
	p.resolve(outcome{err: fmt.Errorf("envelope %s: %w", id, ErrAckTimeout)})
}

// handleAck takes one frame from the bot: it must be an ack of an envelope
// that is still waiting, smaller than 20 KB.
func (s *Server) handleAck(c *wsConn, data []byte, at time.Time) {
	var f struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	err := json.Unmarshal(data, &f)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(data) >= maxAckFrame {
		s.violateLocked("ack frame of %d bytes for envelope %q dropped (Slack drops frames of %d bytes or more)", len(data), f.EnvelopeID, maxAckFrame)
		if p := s.sock.pending[f.EnvelopeID]; p != nil {
			p.resolve(outcome{err: fmt.Errorf("envelope %s: %d bytes: %w", f.EnvelopeID, len(data), ErrAckDropped)})
		}
		return
	}
	if err != nil || f.EnvelopeID == "" {
		s.violateLocked("connection %d sent a frame that is not an ack: %.200s", c.id, data)
		return
	}
	p := s.sock.pending[f.EnvelopeID]
	if p == nil {
		if s.sock.acked[f.EnvelopeID] {
			s.violateLocked("envelope %s acknowledged twice", f.EnvelopeID)
		} else {
			s.violateLocked("ack for unknown envelope %s", f.EnvelopeID)
		}
		return
	}
	delete(s.sock.pending, f.EnvelopeID)
	s.sock.acked[f.EnvelopeID] = true
	if p.timer != nil {
		p.timer.Stop()
	}
	payload := f.Payload
	if string(payload) == "null" || len(payload) == 0 {
		payload = nil
	}
	ack := Ack{
		EnvelopeID: f.EnvelopeID, Type: p.envType, Payload: payload,
		Latency: at.Sub(p.sentAt), Conn: p.conn, Late: p.timedOut,
	}
	s.sock.acks = append(s.sock.acks, ack)
	if !p.timedOut { // Slack ignores what comes too late
		s.applyAckLocked(p.meta, payload)
	}
	s.notifyLocked()
	p.resolve(outcome{ack: ack})
}

// applyAckLocked does what Slack does with an ack's payload.
func (s *Server) applyAckLocked(m payloadMeta, payload json.RawMessage) {
	switch m.kind {
	case EnvelopeSlashCommands:
		s.applySlashAckLocked(m, payload)
	case "view_submission":
		s.applySubmissionAckLocked(m.user, m.viewID, payload)
	case "block_suggestion":
		for _, p := range checkSuggestionAck(payload) {
			s.violateLocked("block_suggestion ack: %s", p)
		}
	}
}

// applySlashAckLocked shows a slash command's ack payload: ephemeral to the
// user by default, in the channel for response_type in_channel.
func (s *Server) applySlashAckLocked(m payloadMeta, payload json.RawMessage) {
	if len(payload) == 0 {
		return
	}
	var a struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := json.Unmarshal(payload, &a); err != nil {
		s.violateLocked("slash command ack: payload is not a message: %.200s", payload)
		return
	}
	if a.Text == "" && len(emptyToNil(a.Blocks)) == 0 {
		return
	}
	if s.checkContentLocked("slash command ack", a.Text, a.Blocks) != nil {
		return
	}
	msg := Message{Channel: s.resolveChannelLocked(m.channel), Text: a.Text, Blocks: emptyToNil(a.Blocks), Via: "ack"}
	if a.ResponseType == "in_channel" {
		msg.TS, msg.User = s.nextTSLocked(), s.opts.BotUserID
		s.addMessageLocked(&msg)
		return
	}
	msg.Recipient = m.user
	s.addEphemeralLocked(msg)
}
