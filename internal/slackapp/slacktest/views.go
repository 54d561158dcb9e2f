package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

const (
	triggerTTL   = 3 * time.Second // trigger_ids expire after 3 s
	maxViewStack = 3               // views.push allows a stack of 3 modals
)

// View is a modal as the fake holds it: its current version.
type View struct {
	ID              string
	Hash            string
	UserID          string // the user who sees it
	Type            string
	ExternalID      string
	CallbackID      string
	PrivateMetadata string
	RootViewID      string
	PreviousViewID  string
	Title           string          // title text
	Blocks          json.RawMessage // as the bot sent them
	State           json.RawMessage // {"values":{…}} as last submitted
	JSON            json.RawMessage // the whole view as Slack returns it
	Open            bool
	Updates         int               // views.update calls and response_action "update" acks
	Errors          map[string]string // from the last response_action "errors" ack
}

type view struct {
	id, hash, user, rootID, previousID string
	def                                map[string]json.RawMessage // as the bot sent it
	state                              json.RawMessage
	open                               bool
	updates                            int
	errors                             map[string]string
}

type trigger struct {
	userID   string
	issued   time.Time
	used     bool
	fromView string // the modal the interaction came from, if any
}

// IssueTrigger creates a fresh trigger_id for userID, valid for 3 s and
// usable once, for tests that build their own payloads for Send.
func (s *Server) IssueTrigger(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueTriggerLocked(userID, "")
}

func (s *Server) issueTriggerLocked(userID, fromView string) string {
	s.seq++
	id := fmt.Sprintf("%d.%d.%s", s.now().Unix(), s.seq, randomHex(10))
	s.triggers[id] = &trigger{userID: userID, issued: s.now(), fromView: fromView}
	return id
}

// consumeTriggerLocked uses up a trigger_id, answering Slack's error code
// when it is unknown, used or expired.
func (s *Server) consumeTriggerLocked(where, id string) (*trigger, string) {
	t := s.triggers[id]
	switch {
	case t == nil:
		s.violateLocked("%s: unknown trigger_id %q", where, id)
		return nil, "invalid_trigger_id"
	case t.used:
		s.violateLocked("%s: trigger_id %s used twice", where, id)
		return nil, "exchanged_trigger_id"
	case s.now().Sub(t.issued) > triggerTTL:
		s.violateLocked("%s: trigger_id %s used %v after issue (limit %v)", where, id, s.now().Sub(t.issued), triggerTTL)
		return nil, "expired_trigger_id"
	}
	t.used = true
	return t, ""
}

// Views returns every modal opened so far, oldest first, in its current state.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.views))
	for _, v := range s.views {
		out = append(out, s.exportViewLocked(v))
	}
	slices.SortFunc(out, func(a, b View) int { return compareIDs(a.ID, b.ID) })
	return out
}

// View returns one modal by ID.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[id]
	if !ok {
		return View{}, false
	}
	return s.exportViewLocked(v), true
}

// compareIDs orders IDs from nextIDLocked by creation.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Server) exportViewLocked(v *view) View {
	wire, _ := json.Marshal(s.viewWireLocked(v))
	var title struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(v.def["title"], &title)
	return View{
		ID: v.id, Hash: v.hash, UserID: v.user, Type: jsonString(v.def["type"]),
		ExternalID: jsonString(v.def["external_id"]), CallbackID: jsonString(v.def["callback_id"]),
		PrivateMetadata: jsonString(v.def["private_metadata"]), RootViewID: v.rootID,
		PreviousViewID: v.previousID, Title: title.Text, Blocks: v.def["blocks"], State: v.state,
		JSON: wire, Open: v.open, Updates: v.updates, Errors: v.errors,
	}
}

func jsonString(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// viewWireLocked is a view as Slack returns it from views.* and puts it in
// interaction payloads.
func (s *Server) viewWireLocked(v *view) map[string]any {
	or := func(raw json.RawMessage, def any) any {
		if len(raw) == 0 {
			return def
		}
		return raw
	}
	var prev any
	if v.previousID != "" {
		prev = v.previousID
	}
	return map[string]any{
		"id": v.id, "team_id": s.opts.TeamID, "type": or(v.def["type"], "modal"),
		"title": or(v.def["title"], nil), "close": or(v.def["close"], nil), "submit": or(v.def["submit"], nil),
		"blocks": or(v.def["blocks"], []any{}), "private_metadata": jsonString(v.def["private_metadata"]),
		"callback_id": jsonString(v.def["callback_id"]), "external_id": jsonString(v.def["external_id"]),
		"state": v.state, "hash": v.hash,
		"clear_on_close": or(v.def["clear_on_close"], false), "notify_on_close": or(v.def["notify_on_close"], false),
		"previous_view_id": prev, "root_view_id": v.rootID, "app_id": s.opts.AppID,
		"app_installed_team_id": s.opts.TeamID, "bot_id": s.opts.BotID,
	}
}

func (s *Server) newHashLocked() string {
	return fmt.Sprintf("%d.%s", s.now().Unix(), randomHex(4))
}

// parseViewLocked checks a view the bot sent and decodes it; it returns
// Slack's error reply when the view breaks a limit.
func (s *Server) parseViewLocked(where string, raw json.RawMessage) (map[string]json.RawMessage, reply) {
	var def map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &def) != nil {
		s.violateLocked("%s: view is missing or not a JSON object", where)
		return nil, fail("invalid_arguments")
	}
	if problems := CheckView(raw); len(problems) > 0 {
		for _, p := range problems {
			s.violateLocked("%s: %s", where, p)
		}
		return nil, invalidReply("invalid_arguments", problems)
	}
	return def, nil
}

func (s *Server) newViewLocked(user string, def map[string]json.RawMessage, root, previous string) *view {
	v := &view{
		id: s.nextIDLocked("V"), hash: s.newHashLocked(), user: user, previousID: previous,
		def: def, state: json.RawMessage(`{"values":{}}`), open: true,
	}
	v.rootID = root
	if root == "" {
		v.rootID = v.id
	}
	s.views[v.id] = v
	s.stacks[user] = append(s.stacks[user], v.id)
	s.notifyLocked()
	return v
}

func (s *Server) externalIDTakenLocked(def map[string]json.RawMessage) bool {
	ext := jsonString(def["external_id"])
	if ext == "" {
		return false
	}
	for _, v := range s.views {
		if jsonString(v.def["external_id"]) == ext {
			return true
		}
	}
	return false
}

func (s *Server) viewsOpenLocked(req *apiRequest) reply {
	t, code := s.consumeTriggerLocked("views.open", req.str("trigger_id"))
	if code != "" {
		return fail(code)
	}
	def, r := s.parseViewLocked("views.open", req.raw("view"))
	if r != nil {
		return r
	}
	if s.externalIDTakenLocked(def) {
		return fail("duplicate_external_id")
	}
	s.closeStackLocked(t.userID)
	return reply{"ok": true, "view": s.viewWireLocked(s.newViewLocked(t.userID, def, "", ""))}
}

func (s *Server) viewsPushLocked(req *apiRequest) reply {
	t, code := s.consumeTriggerLocked("views.push", req.str("trigger_id"))
	if code != "" {
		return fail(code)
	}
	def, r := s.parseViewLocked("views.push", req.raw("view"))
	if r != nil {
		return r
	}
	stack := s.stacks[t.userID]
	switch {
	case len(stack) == 0:
		s.violateLocked("views.push: user %s has no open modal to push onto", t.userID)
		return fail("not_found")
	case len(stack) >= maxViewStack:
		s.violateLocked("views.push: stack of %d modals is full", len(stack))
		return fail("push_limit_reached")
	case s.externalIDTakenLocked(def):
		return fail("duplicate_external_id")
	}
	v := s.newViewLocked(t.userID, def, stack[0], stack[len(stack)-1])
	return reply{"ok": true, "view": s.viewWireLocked(v)}
}

func (s *Server) viewsUpdateLocked(req *apiRequest) reply {
	id, ext := req.str("view_id"), req.str("external_id")
	if id == "" && ext == "" {
		return fail("invalid_arguments")
	}
	var v *view
	for _, x := range s.views {
		if (id != "" && x.id == id) || (id == "" && jsonString(x.def["external_id"]) == ext) {
			v = x
		}
	}
	if v == nil || !v.open {
		return fail("not_found")
	}
	if h := req.str("hash"); h != "" && h != v.hash {
		return fail("hash_conflict")
	}
	def, r := s.parseViewLocked("views.update", req.raw("view"))
	if r != nil {
		return r
	}
	s.replaceViewLocked(v, def)
	return reply{"ok": true, "view": s.viewWireLocked(v)}
}

func (s *Server) replaceViewLocked(v *view, def map[string]json.RawMessage) {
	v.def, v.hash, v.errors = def, s.newHashLocked(), nil
	v.updates++
	s.notifyLocked()
}

// closeStackLocked closes every modal a user has open.
func (s *Server) closeStackLocked(user string) {
	for _, id := range s.stacks[user] {
		s.views[id].open = false
	}
	delete(s.stacks, user)
	s.notifyLocked()
}

// popViewLocked closes a modal and every modal pushed above it.
func (s *Server) popViewLocked(user, viewID string) {
	stack := s.stacks[user]
	i := slices.Index(stack, viewID)
	if i < 0 {
		return
	}
	for _, id := range stack[i:] {
		s.views[id].open = false
	}
	s.stacks[user] = stack[:i]
	if i == 0 {
		delete(s.stacks, user)
	}
	s.notifyLocked()
}

// inputBlockIDs returns the block_ids of a view's input blocks: the only
// valid keys of a response_action "errors" ack.
func inputBlockIDs(blocks json.RawMessage) map[string]bool {
	var bs []struct {
		Type    string `json:"type"`
		BlockID string `json:"block_id"`
	}
	_ = json.Unmarshal(blocks, &bs)
	ids := map[string]bool{}
	for _, b := range bs {
		if b.Type == "input" && b.BlockID != "" {
			ids[b.BlockID] = true
		}
	}
	return ids
}

// applySubmissionAckLocked does what Slack does with a view_submission ack.
func (s *Server) applySubmissionAckLocked(user, viewID string, payload json.RawMessage) {
	v := s.views[viewID]
	if v == nil {
		return
	}
	var a struct {
		ResponseAction string            `json:"response_action"`
		View           json.RawMessage   `json:"view"`
		Errors         map[string]string `json:"errors"`
	}
	if len(payload) > 0 && string(payload) != "null" && json.Unmarshal(payload, &a) != nil {
		s.violateLocked("view_submission ack: payload is not a response_action object: %s", payload)
		return
	}
	switch a.ResponseAction {
	case "":
		s.popViewLocked(user, viewID)
	case "clear":
		s.closeStackLocked(user)
	case "errors":
		if len(a.Errors) == 0 {
			s.violateLocked("view_submission ack: response_action errors without errors")
		}
		inputs := inputBlockIDs(v.def["blocks"])
		for k := range a.Errors {
			if !inputs[k] {
				s.violateLocked("view_submission ack: errors key %q is not an input block_id of view %s (Slack shows a generic error)", k, viewID)
			}
		}
		v.errors = a.Errors
		s.notifyLocked()
	case "update":
		if def, r := s.parseViewLocked("view_submission ack update", a.View); r == nil {
			s.replaceViewLocked(v, def)
		}
	case "push":
		def, r := s.parseViewLocked("view_submission ack push", a.View)
		if r != nil {
			return
		}
		if stack := s.stacks[user]; len(stack) >= maxViewStack {
			s.violateLocked("view_submission ack push: stack of %d modals is full", len(stack))
		} else if len(stack) > 0 {
			s.newViewLocked(user, def, stack[0], stack[len(stack)-1])
		}
	default:
		s.violateLocked("view_submission ack: unknown response_action %q", a.ResponseAction)
	}
}
