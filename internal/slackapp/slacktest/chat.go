package slacktest

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// maxMessageText is Slack's limit on a message's top-level text.
const maxMessageText = 40000

// Message is a message as the fake holds it: its current version after
// updates.
type Message struct {
	Channel        string
	TS             string
	ThreadTS       string // the parent's ts for thread replies, "" for top-level messages
	User           string // author; Options.BotUserID for the bot's messages
	Recipient      string // ephemerals only: the one user who sees it
	Text           string
	Blocks         json.RawMessage // as posted; nil when the message has none
	ReplyBroadcast bool
	Edited         int // number of updates (chat.update, replace_original)
	// EditedAt are the times of the chat.update calls that changed it, in
	// order (Options.Now's clock).
	EditedAt []time.Time
	Via      string // "chat.postMessage", "chat.postEphemeral", "response_url", "ack" or "user"
}

// AddUserMessage adds a top-level message written by a person (not the bot),
// e.g. to check the bot cannot update it.
func (s *Server) AddUserMessage(channel, userID, text string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: s.resolveChannelLocked(channel), TS: s.nextTSLocked(), User: userID, Text: text, Via: "user"}
	s.addMessageLocked(m)
	return *m
}

// Messages returns the top-level messages of a channel (thread replies only
// when broadcast), oldest first. A user ID means the bot's DM with that user.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.chans[s.resolveChannelLocked(channel)] {
		if m.ThreadTS == "" || m.ReplyBroadcast {
			out = append(out, *m)
		}
	}
	return out
}

// Thread returns the replies (without the parent) in the thread of the
// message ts, oldest first.
func (s *Server) Thread(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.chans[s.resolveChannelLocked(channel)] {
		if m.ThreadTS == ts {
			out = append(out, *m)
		}
	}
	return out
}

// Message returns the current version of one message.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.findLocked(s.resolveChannelLocked(channel), ts); m != nil {
		return *m, true
	}
	return Message{}, false
}

// Ephemerals returns the ephemeral messages shown to a user (chat.postEphemeral,
// ephemeral response_url posts, slash command ack payloads), oldest first.
func (s *Server) Ephemerals(userID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.ephemerals {
		if m.Recipient == userID {
			out = append(out, m)
		}
	}
	return out
}

// DMs returns the top-level messages in the bot's DM with a user.
func (s *Server) DMs(userID string) []Message {
	return s.Messages(userID)
}

// resolveChannelLocked maps a user ID (chat.postMessage to U…/W… posts to
// the app's DM with that user) to the DM channel.
func (s *Server) resolveChannelLocked(ch string) string {
	if strings.HasPrefix(ch, "U") || strings.HasPrefix(ch, "W") {
		return s.dmChannelLocked(ch)
	}
	return ch
}

func (s *Server) findLocked(channel, ts string) *Message {
	for _, m := range s.chans[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

func (s *Server) addMessageLocked(m *Message) {
	s.chans[m.Channel] = append(s.chans[m.Channel], m)
	s.notifyLocked()
}

// wireLocked is a message as Slack returns it in chat.* responses and
// interaction payloads.
func (s *Server) wireLocked(m *Message) map[string]any {
	w := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": s.opts.TeamID}
	if m.User == s.opts.BotUserID {
		w["bot_id"], w["app_id"] = s.opts.BotID, s.opts.AppID
	}
	if m.ThreadTS != "" {
		w["thread_ts"] = m.ThreadTS
	}
	if len(m.Blocks) > 0 {
		w["blocks"] = m.Blocks
	}
	if m.Edited > 0 {
		w["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return w
}

// checkContentLocked applies the message limits Slack enforces on text and
// blocks; it returns the error reply, or nil when Slack would accept them.
func (s *Server) checkContentLocked(where string, text string, blocks json.RawMessage) reply {
	if n := utf8.RuneCountInString(text); n > maxMessageText {
		s.violateLocked("%s: text has %d characters, limit %d", where, n, maxMessageText)
		return fail("msg_too_long")
	}
	if len(emptyToNil(blocks)) == 0 {
		return nil
	}
	if !json.Valid(blocks) {
		s.violateLocked("%s: blocks are not valid JSON", where)
		return fail("invalid_blocks_format")
	}
	problems := CheckBlocks(SurfaceMessage, blocks)
	if len(problems) == 0 {
		return nil
	}
	for _, p := range problems {
		s.violateLocked("%s: %s", where, p)
	}
	return invalidReply("invalid_blocks", problems)
}

// invalidReply is Slack's answer to a request whose Block Kit is invalid.
func invalidReply(code string, problems []string) reply {
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = "[ERROR] " + p
	}
	return reply{"ok": false, "error": code, "errors": problems, "response_metadata": map[string]any{"messages": msgs}}
}

// emptyToNil turns an empty or null block list into "no blocks".
func emptyToNil(b json.RawMessage) json.RawMessage {
	var arr []json.RawMessage
	if len(b) == 0 || (json.Unmarshal(b, &arr) == nil && len(arr) == 0) {
		return nil
	}
	return b
}

func (s *Server) postMessageLocked(req *apiRequest) reply {
	ch := req.str("channel")
	if ch == "" {
		return fail("channel_not_found")
	}
	ch = s.resolveChannelLocked(ch)
	text, blocks := req.str("text"), req.raw("blocks")
	if text == "" && len(emptyToNil(blocks)) == 0 && !req.has("attachments") {
		return fail("no_text")
	}
	if r := s.checkContentLocked("chat.postMessage", text, blocks); r != nil {
		return r
	}
	threadTS := req.str("thread_ts")
	s.checkThreadLocked("chat.postMessage", ch, threadTS)
	m := &Message{
		Channel: ch, TS: s.nextTSLocked(), ThreadTS: threadTS, User: s.opts.BotUserID,
		Text: text, Blocks: emptyToNil(blocks), ReplyBroadcast: req.str("reply_broadcast") == "true",
		Via: "chat.postMessage",
	}
	s.addMessageLocked(m)
	return reply{"ok": true, "channel": ch, "ts": m.TS, "message": s.wireLocked(m)}
}

// checkThreadLocked records a reply to a message that does not exist or is
// itself a reply; Slack would not thread it where the bot expects.
func (s *Server) checkThreadLocked(where, ch, threadTS string) {
	if threadTS == "" {
		return
	}
	switch parent := s.findLocked(ch, threadTS); {
	case parent == nil:
		s.violateLocked("%s: thread_ts %s: no such message in %s", where, threadTS, ch)
	case parent.ThreadTS != "":
		s.violateLocked("%s: thread_ts %s is itself a reply in thread %s", where, threadTS, parent.ThreadTS)
	}
}

func (s *Server) updateMessageLocked(req *apiRequest) reply {
	ch, ts := s.resolveChannelLocked(req.str("channel")), req.str("ts")
	if ch == "" {
		return fail("channel_not_found")
	}
	m := s.findLocked(ch, ts)
	if m == nil {
		return fail("message_not_found")
	}
	if m.User != s.opts.BotUserID {
		return fail("cant_update_message")
	}
	if !req.has("text") && !req.has("blocks") && !req.has("attachments") {
		return fail("no_text")
	}
	text, blocks := req.str("text"), req.raw("blocks")
	if r := s.checkContentLocked("chat.update", text, blocks); r != nil {
		return r
	}
	if req.has("text") {
		m.Text = text
	}
	if req.has("blocks") {
		m.Blocks = emptyToNil(blocks)
	}
	m.Edited++
	m.EditedAt = append(m.EditedAt, s.now())
	s.notifyLocked()
	return reply{"ok": true, "channel": ch, "ts": ts, "text": m.Text, "message": s.wireLocked(m)}
}

func (s *Server) deleteMessageLocked(req *apiRequest) reply {
	ch, ts := s.resolveChannelLocked(req.str("channel")), req.str("ts")
	m := s.findLocked(ch, ts)
	if m == nil {
		return fail("message_not_found")
	}
	if m.User != s.opts.BotUserID {
		return fail("cant_delete_message")
	}
	s.removeLocked(m)
	return reply{"ok": true, "channel": ch, "ts": ts}
}

func (s *Server) removeLocked(m *Message) {
	s.chans[m.Channel] = slices.DeleteFunc(s.chans[m.Channel], func(x *Message) bool { return x == m })
	s.notifyLocked()
}

func (s *Server) postEphemeralLocked(req *apiRequest) reply {
	ch, user := req.str("channel"), req.str("user")
	if ch == "" {
		return fail("channel_not_found")
	}
	if user == "" {
		return fail("user_not_found")
	}
	text, blocks := req.str("text"), req.raw("blocks")
	if text == "" && len(emptyToNil(blocks)) == 0 && !req.has("attachments") {
		return fail("no_text")
	}
	if r := s.checkContentLocked("chat.postEphemeral", text, blocks); r != nil {
		return r
	}
	m := s.addEphemeralLocked(Message{
		Channel: s.resolveChannelLocked(ch), ThreadTS: req.str("thread_ts"), Recipient: user,
		Text: text, Blocks: emptyToNil(blocks), Via: "chat.postEphemeral",
	})
	return reply{"ok": true, "message_ts": m.TS}
}

// addEphemeralLocked stores an ephemeral from the bot, giving it a ts.
func (s *Server) addEphemeralLocked(m Message) Message {
	m.TS, m.User = s.nextTSLocked(), s.opts.BotUserID
	s.ephemerals = append(s.ephemerals, m)
	s.notifyLocked()
	return m
}
