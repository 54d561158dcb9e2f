package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// verificationToken is the deprecated token Slack still puts in payloads.
const verificationToken = "fake-verification-token"

// Slash is a slash command typed by a user.
type Slash struct {
	UserID      string
	UserName    string // default: the added user's Name, else UserID
	ChannelID   string
	ChannelName string // default derived from ChannelID
	Command     string // default "/db-restore"
	Text        string
}

// Action is a click on an interactive element: in a message (ChannelID and
// MessageTS, ephemerals included) or in a modal or Home tab (ViewID). The element is
// looked up by ActionID (and BlockID when set) in the blocks as posted;
// BlockID and Value default to the element's own.
type Action struct {
	UserID, UserName     string
	ChannelID, MessageTS string
	ViewID               string
	ActionID, BlockID    string
	Value                string // for buttons; for static_select and radio_buttons, the chosen option's value
}

// Suggestion is a user typing into an external_select in a modal.
type Suggestion struct {
	UserID, ViewID    string
	ActionID, BlockID string
	Value             string // what the user typed
}

// SlashCommand sends a slash_commands envelope and waits for its ack.
func (s *Server) SlashCommand(ctx context.Context, c Slash) (Ack, error) {
	return s.Send(ctx, EnvelopeSlashCommands, s.SlashPayload(c))
}

// BlockAction sends a block_actions interaction and waits for its ack.
func (s *Server) BlockAction(ctx context.Context, a Action) (Ack, error) {
	p, err := s.ActionPayload(a)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, EnvelopeInteractive, p)
}

// ViewSubmission submits an open modal with the given state values
// (values[blockID][actionID] is the element's state, e.g.
// {"type":"plain_text_input","value":"x"}) and waits for the ack, whose
// response_action the fake then applies.
func (s *Server) ViewSubmission(ctx context.Context, userID, viewID string, values map[string]map[string]any) (Ack, error) {
	p, err := s.SubmissionPayload(userID, viewID, values)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, EnvelopeInteractive, p)
}

// BlockSuggestion sends a block_suggestion interaction and waits for the
// ack carrying the options.
func (s *Server) BlockSuggestion(ctx context.Context, sg Suggestion) (Ack, error) {
	p, err := s.SuggestionPayload(sg)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, EnvelopeInteractive, p)
}

// SlashPayload builds a slash_commands payload with a fresh trigger_id and
// response_url. Slack sends its fields as strings.
func (s *Server) SlashPayload(c Slash) json.RawMessage {
	if c.Command == "" {
		c.Command = "/db-restore"
	}
	s.mu.Lock()
	trig := s.issueTriggerLocked(c.UserID, "")
	ru := s.newResponseURLLocked(&responseURL{user: c.UserID, channel: c.ChannelID})
	name := s.userNameLocked(c.UserID, c.UserName)
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]string{
		"token": verificationToken, "team_id": s.opts.TeamID, "team_domain": "fake",
		"channel_id": c.ChannelID, "channel_name": channelName(c.ChannelID, c.ChannelName),
		"user_id": c.UserID, "user_name": name, "command": c.Command, "text": c.Text,
		"api_app_id": s.opts.AppID, "is_enterprise_install": "false",
		"response_url": ru, "trigger_id": trig,
	})
	return b
}

func channelName(id, name string) string {
	switch {
	case name != "":
		return name
	case strings.HasPrefix(id, "D"):
		return "directmessage"
	}
	return strings.ToLower(id)
}

func (s *Server) userObjLocked(id, name string) map[string]any {
	n := s.userNameLocked(id, name)
	return map[string]any{"id": id, "username": n, "name": n, "team_id": s.opts.TeamID}
}

func (s *Server) basePayloadLocked(kind, userID, userName string) map[string]any {
	return map[string]any{
		"type": kind, "user": s.userObjLocked(userID, userName), "api_app_id": s.opts.AppID,
		"token": verificationToken, "team": map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"enterprise": nil, "is_enterprise_install": false,
	}
}

// ActionPayload builds a block_actions payload for a click, as Slack would
// send it, with a fresh trigger_id (and response_url for messages).
func (s *Server) ActionPayload(a Action) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.basePayloadLocked("block_actions", a.UserID, a.UserName)
	var blocks json.RawMessage
	if a.ViewID != "" {
		v, err := s.openViewOfLocked(a.UserID, a.ViewID)
		if err != nil {
			return nil, err
		}
		blocks = v.def["blocks"]
		p["container"] = map[string]any{"type": "view", "view_id": v.id}
		p["view"] = s.viewWireLocked(v)
	} else {
		ch := s.resolveChannelLocked(a.ChannelID)
		m, eph := s.findLocked(ch, a.MessageTS), false
		if m == nil {
			m, eph = s.findEphemeralLocked(ch, a.MessageTS, a.UserID), true
		}
		if m == nil {
			return nil, fmt.Errorf("block action: no message %s in %s visible to %s", a.MessageTS, ch, a.UserID)
		}
		blocks = m.Blocks
		p["container"] = map[string]any{"type": "message", "message_ts": m.TS, "channel_id": ch, "is_ephemeral": eph}
		p["channel"] = map[string]any{"id": ch, "name": channelName(ch, "")}
		if !eph {
			p["message"] = s.wireLocked(m)
		}
		p["state"] = map[string]any{"values": map[string]any{}}
		p["response_url"] = s.newResponseURLLocked(&responseURL{user: a.UserID, channel: ch, messageTS: m.TS, ephemeral: eph})
	}
	el, blockID, err := findElement(blocks, a.ActionID, a.BlockID)
	if err != nil {
		return nil, fmt.Errorf("block action: %w", err)
	}
	p["trigger_id"] = s.issueTriggerLocked(a.UserID, a.ViewID)
	p["actions"] = []any{actionOf(el, blockID, a.Value, s.nextTSLocked())}
	return json.Marshal(p)
}

// actionOf is the actions[] entry Slack sends for a click on el.
func actionOf(el map[string]any, blockID, value, ts string) map[string]any {
	typ, _ := el["type"].(string)
	act := map[string]any{"action_id": el["action_id"], "block_id": blockID, "type": typ, "action_ts": ts}
	switch typ {
	case "button":
		if value == "" {
			value, _ = el["value"].(string)
		}
		act["value"], act["text"] = value, el["text"]
		if st, ok := el["style"]; ok {
			act["style"] = st
		}
	case "static_select", "radio_buttons", "overflow":
		opts, _ := el["options"].([]any)
		for _, o := range opts {
			if om, ok := o.(map[string]any); ok && om["value"] == value {
				act["selected_option"] = om
			}
		}
	default:
		if value != "" {
			act["value"] = value
		}
	}
	return act
}

// SubmissionPayload builds a view_submission payload for an open modal with
// the given state values, and records them as the modal's state.
func (s *Server) SubmissionPayload(userID, viewID string, values map[string]map[string]any) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.openViewOfLocked(userID, viewID)
	if err != nil {
		return nil, err
	}
	inputs := inputBlockIDs(v.def["blocks"])
	for blockID := range values {
		if !inputs[blockID] {
			return nil, fmt.Errorf("view submission: %q is not an input block of view %s", blockID, viewID)
		}
	}
	if values == nil {
		values = map[string]map[string]any{}
	}
	state, err := json.Marshal(map[string]any{"values": values})
	if err != nil {
		return nil, fmt.Errorf("view submission: encode values: %w", err)
	}
	v.state = state
	p := s.basePayloadLocked("view_submission", userID, "")
	p["trigger_id"] = s.issueTriggerLocked(userID, viewID)
	p["view"] = s.viewWireLocked(v)
	p["response_urls"] = []any{}
	s.notifyLocked()
	return json.Marshal(p)
}

// SuggestionPayload builds a block_suggestion payload for an external_select
// in an open modal.
func (s *Server) SuggestionPayload(sg Suggestion) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.openViewOfLocked(sg.UserID, sg.ViewID)
	if err != nil {
		return nil, err
	}
	el, blockID, err := findElement(v.def["blocks"], sg.ActionID, sg.BlockID)
	if err != nil {
		return nil, fmt.Errorf("block suggestion: %w", err)
	}
	if t, _ := el["type"].(string); !strings.HasSuffix(t, "external_select") {
		return nil, fmt.Errorf("block suggestion: element %s is a %s, not an external_select", sg.ActionID, t)
	}
	p := s.basePayloadLocked("block_suggestion", sg.UserID, "")
	p["container"] = map[string]any{"type": "view", "view_id": v.id}
	p["action_id"], p["block_id"], p["value"] = sg.ActionID, blockID, sg.Value
	p["view"] = s.viewWireLocked(v)
	return json.Marshal(p)
}

func (s *Server) openViewOfLocked(userID, viewID string) (*view, error) {
	v := s.views[viewID]
	if v == nil {
		v = s.homeByIDLocked(viewID) // a click in a Home tab
	}
	switch {
	case v == nil:
		return nil, fmt.Errorf("no view %s", viewID)
	case !v.open:
		return nil, fmt.Errorf("view %s is closed", viewID)
	case v.user != userID:
		return nil, fmt.Errorf("view %s is shown to %s, not %s", viewID, v.user, userID)
	}
	return v, nil
}

func (s *Server) findEphemeralLocked(ch, ts, user string) *Message {
	for i := range s.ephemerals {
		if m := &s.ephemerals[i]; m.Channel == ch && m.TS == ts && m.Recipient == user {
			return m
		}
	}
	return nil
}

// findElement finds the interactive element with actionID (in blockID, when
// set) among blocks: actions/context elements, section accessories, input
// elements. It returns the element and its block's block_id.
func findElement(blocks json.RawMessage, actionID, blockID string) (map[string]any, string, error) {
	var bs []map[string]any
	if err := json.Unmarshal(blocks, &bs); err != nil {
		return nil, "", fmt.Errorf("no blocks to find %s in", actionID)
	}
	for _, b := range bs {
		bid, _ := b["block_id"].(string)
		if blockID != "" && bid != blockID {
			continue
		}
		var els []any
		if e, ok := b["elements"].([]any); ok {
			els = e
		}
		for _, key := range []string{"accessory", "element"} {
			if e, ok := b[key]; ok {
				els = append(els, e)
			}
		}
		for _, e := range els {
			if em, ok := e.(map[string]any); ok && em["action_id"] == actionID {
				return em, bid, nil
			}
		}
	}
	return nil, "", fmt.Errorf("no element with action_id %q (block_id %q) in the blocks", actionID, blockID)
}
