package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

const (
	responseURLUses = 5                // a response_url takes at most 5 posts
	responseURLTTL  = 30 * time.Minute // within 30 minutes
)

// responseURL is one response_url handed out in a payload.
type responseURL struct {
	user, channel string
	messageTS     string // the message the interaction came from; "" for slash commands
	ephemeral     bool   // that message is an ephemeral
	issued        time.Time
	uses          int
}

func (s *Server) newResponseURLLocked(r *responseURL) string {
	id := s.nextIDLocked("R") + randomHex(6)
	r.issued = s.now()
	s.responses[id] = r
	return "http://" + s.host + "/response/" + id
}

// responseMsg is the JSON body posted to a response_url.
type responseMsg struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// handleResponseURL takes a post to a response_url. Calls are recorded
// under the method name "response_url".
func (s *Server) handleResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	status, answer := http.StatusOK, reply{"ok": true}

	s.mu.Lock()
	ru := s.responses[id]
	var msg responseMsg
	switch {
	case ru == nil:
		status, answer = http.StatusNotFound, fail("no_service")
	case ru.uses >= responseURLUses:
		s.violateLocked("response_url used more than %d times", responseURLUses)
		status, answer = http.StatusNotFound, fail("used_url")
	case s.now().Sub(ru.issued) > responseURLTTL:
		s.violateLocked("response_url used %v after issue (limit %v)", s.now().Sub(ru.issued), responseURLTTL)
		status, answer = http.StatusNotFound, fail("expired_url")
	case json.Unmarshal(body, &msg) != nil:
		status, answer = http.StatusBadRequest, fail("invalid_payload")
	default:
		ru.uses++
		answer = s.applyResponseLocked(ru, msg)
	}
	call := Call{Method: "response_url", Body: json.RawMessage(body), Status: status, At: s.now()}
	if ok, _ := answer["ok"].(bool); !ok {
		call.Error, _ = answer["error"].(string)
	}
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()

	writeJSON(w, status, nil, answer)
}

// applyResponseLocked does what Slack does with a response_url post:
// delete or replace the original message, post in the channel, or show an
// ephemeral to the user (the default).
func (s *Server) applyResponseLocked(ru *responseURL, msg responseMsg) reply {
	if msg.DeleteOriginal {
		return s.deleteOriginalLocked(ru)
	}
	blocks := emptyToNil(msg.Blocks)
	if msg.Text == "" && len(blocks) == 0 {
		return fail("no_text")
	}
	if r := s.checkContentLocked("response_url", msg.Text, msg.Blocks); r != nil {
		return r
	}
	if msg.ReplaceOriginal {
		if orig := s.originalLocked(ru); orig != nil {
			orig.Text, orig.Blocks = msg.Text, blocks
			orig.Edited++
			s.notifyLocked()
			return reply{"ok": true}
		}
		s.violateLocked("response_url: replace_original but the interaction has no original message")
	}
	m := Message{Channel: ru.channel, ThreadTS: msg.ThreadTS, Text: msg.Text, Blocks: blocks, Via: "response_url"}
	if msg.ResponseType == "in_channel" {
		m.TS, m.User = s.nextTSLocked(), s.opts.BotUserID
		s.checkThreadLocked("response_url", m.Channel, m.ThreadTS)
		s.addMessageLocked(&m)
		return reply{"ok": true}
	}
	m.Recipient = ru.user
	s.addEphemeralLocked(m)
	return reply{"ok": true}
}

// originalLocked is the message a response_url's interaction came from.
func (s *Server) originalLocked(ru *responseURL) *Message {
	if ru.messageTS == "" {
		return nil
	}
	if ru.ephemeral {
		return s.findEphemeralLocked(ru.channel, ru.messageTS, ru.user)
	}
	return s.findLocked(ru.channel, ru.messageTS)
}

func (s *Server) deleteOriginalLocked(ru *responseURL) reply {
	orig := s.originalLocked(ru)
	switch {
	case orig == nil:
		s.violateLocked("response_url: delete_original but the interaction has no original message")
		return fail("message_not_found")
	case ru.ephemeral:
		for i := range s.ephemerals {
			if &s.ephemerals[i] == orig {
				s.ephemerals = append(s.ephemerals[:i:i], s.ephemerals[i+1:]...)
				break
			}
		}
		s.notifyLocked()
	default:
		s.removeLocked(orig)
	}
	return reply{"ok": true}
}
