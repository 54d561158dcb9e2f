package sandbox

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/dbrestore/db-restore/internal/slackapp/slacktest"
)

// pageState is everything the page shows to one person.
type pageState struct {
	Me       string         `json:"me"`
	People   []personJSON   `json:"people"`
	Channels []channelJSON  `json:"channels"`
	Modal    *modalJSON     `json:"modal"`
	Home     string         `json:"home"` // the Home tab's HTML; "" until the bot publishes one
	Armed    []string       `json:"armed"`
	Estate   []instanceJSON `json:"estate"`
	Log      []string       `json:"log"`
}

type personJSON struct {
	ID, Name, RealName, TZ, Role, Initial string
	LocalTime                             string
}

type channelJSON struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Purpose  string        `json:"purpose"`
	DM       bool          `json:"dm"`
	Messages []messageJSON `json:"messages"`
}

type messageJSON struct {
	TS        string        `json:"ts"`
	Channel   string        `json:"channel"`
	Author    string        `json:"author"`
	Bot       bool          `json:"bot"`
	Time      string        `json:"time"` // in the viewer's zone
	HTML      string        `json:"html"`
	Ephemeral bool          `json:"ephemeral"`
	Edited    bool          `json:"edited"`
	Replies   []messageJSON `json:"replies,omitempty"`
}

type modalJSON struct {
	ID     string `json:"id"`
	Hash   string `json:"hash"`
	Title  string `json:"title"`
	Submit string `json:"submit"`
	Close  string `json:"close"`
	HTML   string `json:"html"`
	Depth  int    `json:"depth"`
}

type instanceJSON struct {
	Name, ID, Version, Status, CaseSensitive, Tags string
}

func zoneOf(id string) *time.Location {
	for _, p := range People {
		if p.ID == id {
			if loc, err := time.LoadLocation(p.TZ); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// state builds what user sees now.
func (sb *Sandbox) state(user string) pageState {
	zone := zoneOf(user)
	st := pageState{Me: user, Armed: append([]string{}, sb.Armed()...), Log: append([]string{}, sb.logs.Lines()...)}
	for _, p := range People {
		st.People = append(st.People, personJSON{ID: p.ID, Name: p.Name, RealName: p.RealName, TZ: p.TZ, Role: p.Role,
			Initial: strings.ToUpper(p.Name[:1]), LocalTime: time.Now().In(zoneOf(p.ID)).Format("15:04 MST")})
	}
	surface := Surface{Dir: sb.dir, Zone: zone}
	eph := sb.Slack.Ephemerals(user)
	for _, c := range Channels {
		st.Channels = append(st.Channels, channelJSON{ID: c.ID, Name: c.Name, Purpose: c.Purpose,
			Messages: sb.timeline(surface, sb.Slack.Messages(c.ID), eph, c.ID, user)})
	}
	dms := sb.Slack.DMs(user)
	dmID := ""
	if len(dms) > 0 {
		dmID = dms[0].Channel
	}
	st.Channels = append(st.Channels, channelJSON{ID: "dm", Name: "db-restore", Purpose: "your direct messages with the bot", DM: true,
		Messages: sb.timeline(surface, dms, eph, dmID, user)})
	st.Modal = sb.modal(user, zone)
	st.Home = sb.home(user, surface)
	for _, in := range sb.Estate.Instances {
		cur, _ := sb.GaussDB.Instance(in.ID)
		var tags []string
		for k, v := range cur.Tags {
			tags = append(tags, k+"="+v)
		}
		sort.Strings(tags)
		cs := "no"
		if cur.LowerCaseTableNames == "0" {
			cs = "yes"
		}
		st.Estate = append(st.Estate, instanceJSON{Name: cur.Name, ID: cur.ID, Version: cur.Version, Status: cur.Status,
			CaseSensitive: cs, Tags: strings.Join(tags, " ")})
	}
	return st
}

// timeline merges a channel's messages with the ephemerals shown to user
// there, and attaches thread replies.
func (sb *Sandbox) timeline(s Surface, msgs, eph []slacktest.Message, channel, user string) []messageJSON {
	out := []messageJSON{}
	for _, m := range msgs {
		mj := sb.message(s, m)
		for _, r := range sb.Slack.Thread(m.Channel, m.TS) {
			mj.Replies = append(mj.Replies, sb.message(s, r))
		}
		for _, e := range eph {
			if e.Channel == m.Channel && e.ThreadTS == m.TS && e.ThreadTS != "" {
				mj.Replies = append(mj.Replies, sb.message(s, e))
			}
		}
		sort.SliceStable(mj.Replies, func(i, j int) bool { return tsLess(mj.Replies[i].TS, mj.Replies[j].TS) })
		out = append(out, mj)
	}
	if channel != "" {
		for _, e := range eph {
			if e.Channel == channel && e.ThreadTS == "" {
				out = append(out, sb.message(s, e))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return tsLess(out[i].TS, out[j].TS) })
	return out
}

func tsLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (sb *Sandbox) message(s Surface, m slacktest.Message) messageJSON {
	body := s.Blocks(m.Blocks)
	if body == "" {
		body = `<div class="bk-text">` + Mrkdwn(m.Text, s.Dir) + `</div>`
	}
	author := sb.dir.UserName(m.User)
	if author == "" {
		author = "db-restore" // ephemerals and response_url posts come from the app
	}
	return messageJSON{TS: m.TS, Channel: m.Channel, Author: author, Bot: m.User != "" && m.User == botUserID || m.Via != "user",
		Time: tsTime(m.TS, s.zone()), HTML: body, Ephemeral: m.Recipient != "", Edited: m.Edited > 0}
}

func tsTime(ts string, zone *time.Location) string {
	sec, _, _ := strings.Cut(ts, ".")
	var n int64
	for _, c := range sec {
		n = n*10 + int64(c-'0')
	}
	return time.Unix(n, 0).In(zone).Format("15:04")
}

// modal is the top modal user has open, rendered.
func (sb *Sandbox) modal(user string, zone *time.Location) *modalJSON {
	var open []slacktest.View
	for _, v := range sb.Slack.Views() {
		if v.UserID == user && v.Open && (v.Type == "" || v.Type == "modal") {
			open = append(open, v)
		}
	}
	if len(open) == 0 {
		return nil
	}
	v := open[len(open)-1]
	var def struct {
		Submit, Close struct{ Text string } `json:"-"`
	}
	_ = def
	var wire struct {
		Submit *struct{ Text string } `json:"submit"`
		Close  *struct{ Text string } `json:"close"`
	}
	_ = json.Unmarshal(v.JSON, &wire)
	m := &modalJSON{ID: v.ID, Hash: v.Hash, Title: Plain(v.Title), Depth: len(open), Close: "Cancel"}
	if wire.Submit != nil {
		m.Submit = Plain(wire.Submit.Text)
	}
	if wire.Close != nil {
		m.Close = Plain(wire.Close.Text)
	}
	if len(v.Errors) > 0 {
		m.Hash += "/errors"
	}
	m.HTML = Surface{Dir: sb.dir, Zone: zone, Errors: v.Errors}.Blocks(v.Blocks)
	return m
}
