package slacktest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one recorded Web API request.
type Call struct {
	Method string
	// Params holds form or query parameters, without the token.
	Params url.Values
	// Body is the request body when the method was called with JSON.
	Body json.RawMessage
	// Bearer reports whether the token came in an Authorization header
	// (JSON methods and apps.connections.open) rather than the form.
	Bearer bool
	// Error is the Slack error code answered ("" when ok).
	Error  string
	Status int
	// Limited reports a 429 from the fake's rate limits (not an injected one).
	Limited bool
	At      time.Time
}

// reply is a Web API JSON response body.
type reply map[string]any

func fail(code string) reply { return reply{"ok": false, "error": code} }

type injected struct {
	code       string
	retryAfter int // >= 0: answer 429 with this Retry-After
}

// apiRequest is a parsed Web API request, form or JSON.
type apiRequest struct {
	form   url.Values
	json   map[string]json.RawMessage
	body   []byte
	token  string
	bearer bool
}

// str returns a parameter as a string from the form or the JSON body.
func (r *apiRequest) str(key string) string {
	if v, ok := r.json[key]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
		return string(v)
	}
	return r.form.Get(key)
}

// has reports whether the parameter was sent at all.
func (r *apiRequest) has(key string) bool {
	if _, ok := r.json[key]; ok {
		return true
	}
	_, ok := r.form[key]
	return ok
}

// raw returns a JSON-valued parameter (blocks, view): a form field holds it
// as a string, a JSON body inline (or as a string).
func (r *apiRequest) raw(key string) json.RawMessage {
	if v, ok := r.json[key]; ok {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return json.RawMessage(s)
		}
		return v
	}
	if v := r.form.Get(key); v != "" {
		return json.RawMessage(v)
	}
	return nil
}

func parseAPIRequest(r *http.Request) (*apiRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return nil, err
	}
	req := &apiRequest{form: r.URL.Query(), body: body}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case ctype == "application/json" && len(bytes.TrimSpace(body)) > 0:
		if err := json.Unmarshal(body, &req.json); err != nil {
			return nil, err
		}
	case ctype == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			req.form[k] = v
		}
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.token, req.bearer = tok, true
	} else {
		req.token = req.form.Get("token")
	}
	return req, nil
}

type tokenKind int

const (
	botToken tokenKind = iota
	appToken
)

type apiMethod struct {
	token tokenKind
	fn    func(*Server, *apiRequest) reply // called with s.mu held
}

var apiMethods = map[string]apiMethod{
	"auth.test":             {botToken, (*Server).authTestLocked},
	"apps.connections.open": {appToken, (*Server).connectionsOpenLocked},
	"chat.postMessage":      {botToken, (*Server).postMessageLocked},
	"chat.update":           {botToken, (*Server).updateMessageLocked},
	"chat.delete":           {botToken, (*Server).deleteMessageLocked},
	"chat.postEphemeral":    {botToken, (*Server).postEphemeralLocked},
	"views.open":            {botToken, (*Server).viewsOpenLocked},
	"views.push":            {botToken, (*Server).viewsPushLocked},
	"views.update":          {botToken, (*Server).viewsUpdateLocked},
	"views.publish":         {botToken, (*Server).viewsPublishLocked},
	"chat.getPermalink":     {botToken, (*Server).getPermalinkLocked},
	"users.info":            {botToken, (*Server).usersInfoLocked},
	"usergroups.users.list": {botToken, (*Server).usergroupUsersLocked},
	"conversations.open":    {botToken, (*Server).conversationsOpenLocked},
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	name := strings.TrimPrefix(r.URL.Path, "/api/")
	req, err := parseAPIRequest(r)
	s.mu.Lock()
	hold := s.holds[name]
	if hold != nil {
		s.waiting[name]++
	}
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
		case <-s.done:
		}
		s.mu.Lock()
		s.waiting[name]--
		s.mu.Unlock()
	}

	s.mu.Lock()
	call := Call{Method: name, At: s.now()}
	if name == "apps.connections.open" {
		s.sock.openCalls++
	}
	status, header, body := http.StatusOK, http.Header{}, fail("invalid_form_data")
	if err == nil {
		call.Params, call.Bearer = req.form, req.bearer
		call.Params.Del("token")
		if req.json != nil {
			call.Body = json.RawMessage(req.body)
		}
		status, header, body = s.dispatchLocked(name, req, arrived)
	}
	call.Status = status
	call.Limited = status == http.StatusTooManyRequests && header.Get(limitedHeader) != ""
	header.Del(limitedHeader)
	if ok, _ := body["ok"].(bool); !ok {
		call.Error, _ = body["error"].(string)
	}
	s.calls = append(s.calls, call)
	s.notifyLocked()
	s.mu.Unlock()

	writeJSON(w, status, header, body)
}

// dispatchLocked answers one Web API call: an injected failure if one is
// queued, else the method after the token check.
func (s *Server) dispatchLocked(name string, req *apiRequest, arrived time.Time) (int, http.Header, reply) {
	header := http.Header{}
	s.earlyCallLocked(name, req, arrived)
	if q := s.inject[name]; len(q) > 0 {
		s.inject[name] = q[1:]
		if q[0].retryAfter >= 0 {
			s.toldToWaitLocked(name, time.Duration(q[0].retryAfter)*time.Second)
			header.Set("Retry-After", strconv.Itoa(q[0].retryAfter))
			return http.StatusTooManyRequests, header, fail("ratelimited")
		}
		return http.StatusOK, header, fail(q[0].code)
	}
	m, ok := apiMethods[name]
	if !ok {
		return http.StatusOK, header, fail("unknown_method")
	}
	if code := s.checkTokenLocked(m.token, req.token); code != "" {
		return http.StatusOK, header, fail(code)
	}
	if wait := s.rateLimitedLocked(name, req); wait > 0 {
		return rateLimitReply(header, wait)
	}
	return http.StatusOK, header, m.fn(s, req)
}

func writeJSON(w http.ResponseWriter, status int, header http.Header, body any) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) checkTokenLocked(want tokenKind, got string) string {
	switch {
	case got == "":
		return "not_authed"
	case want == botToken && got == s.opts.BotToken, want == appToken && got == s.opts.AppToken:
		return ""
	case got == s.opts.BotToken || got == s.opts.AppToken:
		return "not_allowed_token_type"
	default:
		return "invalid_auth"
	}
}

// FailNext makes the next call of method (e.g. "chat.update") answer
// {"ok":false,"error":slackError}. Calls queue up.
func (s *Server) FailNext(method, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject[method] = append(s.inject[method], injected{code: slackError, retryAfter: -1})
}

// Hold makes every call of method (e.g. "users.info") wait, unanswered,
// until release is called (or the caller gives up): a slow or stuck Slack,
// to fill the bot's work queues. release may be called more than once.
func (s *Server) Hold(method string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.holds[method] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.holds[method] == ch {
				delete(s.holds, method)
			}
			s.mu.Unlock()
			close(ch)
		})
	}
}

// RateLimitNext makes the next call of method answer HTTP 429 with
// Retry-After: retryAfterSeconds, as Slack's rate limiter does.
func (s *Server) RateLimitNext(method string, retryAfterSeconds int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject[method] = append(s.inject[method], injected{retryAfter: max(0, retryAfterSeconds)})
}

// Held is how many calls of method are waiting on a Hold right now.
func (s *Server) Held(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting[method]
}

// Calls returns the recorded calls of method, or of every method when method
// is "", oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) authTestLocked(*apiRequest) reply {
	return reply{
		"ok": true, "url": "https://fake.slack.com/", "team": "Fake Team", "user": "db-restore",
		"team_id": s.opts.TeamID, "user_id": s.opts.BotUserID, "bot_id": s.opts.BotID,
		"is_enterprise_install": false,
	}
}

// conversationsOpenLocked opens (or finds) the DM with one user, or the group
// DM with several.
func (s *Server) conversationsOpenLocked(req *apiRequest) reply {
	if ch := req.str("channel"); ch != "" {
		return reply{"ok": true, "channel": map[string]any{"id": ch}}
	}
	var users []string
	for _, u := range strings.Split(req.str("users"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return fail("users_list_not_supplied")
	}
	if len(users) > 8 {
		return fail("too_many_users")
	}
	slices.Sort(users)
	key := strings.Join(users, ",")
	_, already := s.dms[key]
	ch := s.dmChannelLocked(users...)
	return reply{"ok": true, "no_op": already, "already_open": already, "channel": map[string]any{"id": ch}}
}

// dmChannelLocked returns the D… channel of the bot's DM with a user (or the
// G… channel for several users), creating it on first use.
func (s *Server) dmChannelLocked(users ...string) string {
	slices.Sort(users)
	key := strings.Join(users, ",")
	if ch, ok := s.dms[key]; ok {
		return ch
	}
	prefix := "D"
	if len(users) > 1 {
		prefix = "G"
	}
	ch := s.nextIDLocked(prefix)
	s.dms[key] = ch
	return ch
}
