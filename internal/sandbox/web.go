package sandbox

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

//go:embed static
var static embed.FS

// routes serves the page, its state (long-polled) and what people do.
func (sb *Sandbox) routes() http.Handler {
	mux := http.NewServeMux()
	files, _ := fs.Sub(static, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(files)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b, _ := fs.ReadFile(files, "index.html")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /api/state", sb.handleState)
	mux.HandleFunc("POST /api/act", sb.handleAct)
	return mux
}

// handleState answers the state user sees; with since (the version the
// page has) it waits up to 25 s for a change first.
func (sb *Sandbox) handleState(w http.ResponseWriter, r *http.Request) {
	user, since := r.URL.Query().Get("user"), r.URL.Query().Get("since")
	if !known(user) {
		http.Error(w, "unknown user", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 25*time.Second)
	defer cancel()
	for {
		changed, page := sb.Slack.Changed(), sb.signal.wait()
		body, _ := json.Marshal(sb.stateWithoutLog(user))
		sum := sha256.Sum256(body)
		version := hex.EncodeToString(sum[:8])
		if version != since || ctx.Err() != nil {
			st := sb.state(user)
			out, _ := json.Marshal(map[string]any{"version": version, "state": st})
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(out)
			return
		}
		select {
		case <-changed:
		case <-page:
		case <-time.After(5 * time.Second): // job progress, clocks
		case <-ctx.Done():
		}
	}
}

// stateWithoutLog is the state minus what changes without mattering (the
// log, people's clocks), to version it.
func (sb *Sandbox) stateWithoutLog(user string) pageState {
	st := sb.state(user)
	st.Log = nil
	for i := range st.People {
		st.People[i].LocalTime = ""
	}
	return st
}

func known(user string) bool {
	for _, p := range People {
		if p.ID == user {
			return true
		}
	}
	return false
}

// act is one thing a person does in the page.
type act struct {
	User    string `json:"user"`
	Kind    string `json:"kind"` // slash, say, action, submit, suggest, close, fault, home, shortcut
	Channel string `json:"channel"`
	TS      string `json:"ts"`
	View    string `json:"view"`
	Block   string `json:"block"`
	Action  string `json:"action"`
	Value   string `json:"value"`
	Label   string `json:"label"` // the chosen option's text
	Text    string `json:"text"`
	// State is the open modal's inputs as the page holds them:
	// block_id → action_id → field.
	State map[string]map[string]field `json:"state"`
}

// field is one input's value in the page.
type field struct {
	Type   string   `json:"type"`
	Value  string   `json:"value"`
	Label  string   `json:"label"`
	Values []string `json:"values"`
	Labels []string `json:"labels"`
}

func (sb *Sandbox) handleAct(w http.ResponseWriter, r *http.Request) {
	var a act
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&a); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if !known(a.User) {
		http.Error(w, "unknown user", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	out, err := sb.do(ctx, a)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// do performs a, as Slack would deliver it to the bot.
func (sb *Sandbox) do(ctx context.Context, a act) (any, error) {
	zone := zoneOf(a.User)
	switch a.Kind {
	case "slash":
		if a.Channel == "" || a.Channel == "dm" {
			a.Channel = a.User // the bot's DM with the person
		}
		cmd, text, _ := strings.Cut(strings.TrimSpace(a.Text), " ")
		if cmd != "/db-restore" {
			return nil, fmt.Errorf("%s is not a command of this workspace: try /db-restore", cmd)
		}
		_, err := sb.Slack.SlashCommand(ctx, slacktest.Slash{UserID: a.User, ChannelID: a.Channel, Text: strings.TrimSpace(text)})
		return ok(err)
	case "say":
		if a.Channel == "" || a.Channel == "dm" {
			return nil, errors.New("only slash commands in the bot's DM")
		}
		sb.Slack.AddUserMessage(a.Channel, a.User, escapeText(a.Text))
		return ok(nil)
	case "action":
		return ok(sb.action(ctx, a, zone))
	case "submit":
		values, err := slackState(a.State, zone)
		if err != nil {
			return nil, err
		}
		_, err = sb.Slack.ViewSubmission(ctx, a.User, a.View, values)
		return ok(err)
	case "suggest":
		return sb.suggest(ctx, a)
	case "close":
		return ok(sb.Slack.CloseView(a.User, a.View))
	case "fault":
		return ok(sb.Arm(a.Value))
	case "home":
		return ok(sb.openHome(ctx, a.User))
	case "shortcut":
		return ok(sb.shortcut(ctx, a.User, a.Channel, a.TS))
	}
	return nil, fmt.Errorf("unknown kind %q", a.Kind)
}

func ok(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return map[string]bool{"ok": true}, nil
}

// escapeText escapes what a person typed the way Slack stores it.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// action sends a click or a change, in a message or in a modal, with the
// modal's current state the way Slack sends it.
func (sb *Sandbox) action(ctx context.Context, a act, zone *time.Location) error {
	raw, err := sb.Slack.ActionPayload(slacktest.Action{UserID: a.User, ChannelID: a.Channel, MessageTS: a.TS,
		ViewID: a.View, ActionID: a.Action, BlockID: a.Block, Value: a.Value})
	if err != nil {
		return err
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		return err
	}
	acts, _ := p["actions"].([]any)
	if len(acts) != 1 {
		return errors.New("no action in the payload")
	}
	act, _ := acts[0].(map[string]any)
	if f, ok := a.State[a.Block][a.Action]; ok {
		st, err := elementState(f, zone)
		if err != nil {
			return err
		}
		for k, v := range st {
			if k != "type" {
				act[k] = v
			}
		}
	}
	if a.View != "" {
		values, err := slackState(a.State, zone)
		if err != nil {
			return err
		}
		if view, ok := p["view"].(map[string]any); ok {
			view["state"] = map[string]any{"values": values}
		}
	}
	_, err = sb.Slack.Send(ctx, slacktest.EnvelopeInteractive, p)
	return err
}

// option is an option as the page shows it.
type option struct {
	Text  string `json:"text"`
	Value string `json:"value"`
	Group string `json:"group,omitempty"`
}

// suggest asks the bot for an external select's options.
func (sb *Sandbox) suggest(ctx context.Context, a act) (any, error) {
	ack, err := sb.Slack.BlockSuggestion(ctx, slacktest.Suggestion{UserID: a.User, ViewID: a.View, ActionID: a.Action, BlockID: a.Block, Value: a.Value})
	if err != nil {
		return nil, err
	}
	type opt struct {
		Text  struct{ Text string } `json:"text"`
		Value string                `json:"value"`
	}
	var body struct {
		Options      []opt `json:"options"`
		OptionGroups []struct {
			Label   struct{ Text string } `json:"label"`
			Options []opt                 `json:"options"`
		} `json:"option_groups"`
	}
	if len(ack.Payload) > 0 {
		if err := json.Unmarshal(ack.Payload, &body); err != nil {
			return nil, fmt.Errorf("options from the bot: %w", err)
		}
	}
	out := []option{}
	for _, o := range body.Options {
		out = append(out, option{Text: o.Text.Text, Value: o.Value})
	}
	for _, g := range body.OptionGroups {
		for _, o := range g.Options {
			out = append(out, option{Text: o.Text.Text, Value: o.Value, Group: g.Label.Text})
		}
	}
	return map[string]any{"options": out}, nil
}

// slackState turns the page's inputs into view.state.values.
func slackState(in map[string]map[string]field, zone *time.Location) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for block, acts := range in {
		out[block] = map[string]any{}
		for action, f := range acts {
			st, err := elementState(f, zone)
			if err != nil {
				return nil, err
			}
			out[block][action] = st
		}
	}
	return out, nil
}

// elementState is one element's state as Slack sends it.
func elementState(f field, zone *time.Location) (map[string]any, error) {
	st := map[string]any{"type": f.Type}
	opt := func(v, label string) any {
		if v == "" {
			return nil
		}
		return map[string]any{"value": v, "text": map[string]any{"type": "plain_text", "text": label, "emoji": true}}
	}
	switch f.Type {
	case "static_select", "external_select", "radio_buttons", "overflow":
		st["selected_option"] = opt(f.Value, f.Label)
	case "checkboxes", "multi_static_select", "multi_external_select":
		sel := []any{}
		for i, v := range f.Values {
			label := v
			if i < len(f.Labels) {
				label = f.Labels[i]
			}
			sel = append(sel, opt(v, label))
		}
		st["selected_options"] = sel
	case "datetimepicker":
		st["selected_date_time"] = nil
		if f.Value != "" {
			t, err := time.ParseInLocation("2006-01-02T15:04", f.Value, zone)
			if err != nil {
				return nil, fmt.Errorf("date and time %q: %w", f.Value, err)
			}
			st["selected_date_time"] = t.Unix()
		}
	case "datepicker":
		st["selected_date"] = nilIfEmpty(f.Value)
	case "timepicker":
		st["selected_time"] = nilIfEmpty(f.Value)
	default:
		st["value"] = nilIfEmpty(f.Value)
	}
	return st, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
